"""log_events takes the batch in a compact form that is cheap to send

The driver checks every element of every array parameter in Python before encoding it, so
six arrays of one entry per event cost more to send than the database takes to store the
rows. Now the per-event columns are indexes into short lists (interviews, streams, kinds),
integers sent as array literals, and the payloads one bytea with each one's end offset.
What the function does with the batch is unchanged (see 0009).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# The lists: p_interviews, p_streams and p_kinds, each value once. One entry per item of the
# batch, in order, each candidate frame (stream and client seq) at most once, in p_interview,
# p_stream and p_kind (1-based indexes into the lists; p_stream NULL for none), p_client_seq,
# p_ts, p_chunk (NULL for none), p_refused, and p_ends: where the item's payload ends in
# p_payloads (refused items have an empty one). a_* hold one entry per audio stream of the
# batch (what a new recordings row is made of). Returns each item's seq, NULL for a refused
# frame or one already stored.
LOG_EVENTS = """
CREATE FUNCTION log_events(
    p_interviews uuid[], p_streams text[], p_kinds text[],
    p_interview integer[], p_stream integer[], p_kind integer[], p_client_seq bigint[],
    p_ts bigint[], p_payloads bytea, p_ends integer[], p_chunk integer[], p_refused text[],
    a_interview uuid[], a_stream text[], a_mime text[], a_file text[],
    p_channel text, p_origin text
) RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE
    locked_ids uuid[];
    locked_heads bigint[];
    gone uuid;
    seqs bigint[];
    disordered text;
BEGIN
    -- Every writer locks its interviews' rows in id order, so writers cannot deadlock. The
    -- next statement takes its snapshot once they are locked: it sees every frame stored
    -- for these interviews by any process.
    SELECT array_agg(l.id ORDER BY l.id), array_agg(l.head_seq ORDER BY l.id)
    INTO locked_ids, locked_heads
    FROM (SELECT id, head_seq FROM interviews WHERE id = ANY(p_interviews)
          ORDER BY id FOR UPDATE) AS l;
    IF coalesce(cardinality(locked_ids), 0) < cardinality(p_interviews) THEN
        SELECT w INTO gone FROM unnest(p_interviews) AS w
        WHERE NOT w = ANY(coalesce(locked_ids, '{}')) LIMIT 1;
        RAISE EXCEPTION 'interview % is gone', gone USING ERRCODE = 'no_data_found';
    END IF;

    WITH input AS (
        -- What deduplication and numbering need; the payloads are read once, to insert.
        SELECT p_interviews[u.i] AS interview_id, p_streams[u.s] AS stream, u.client_seq,
               u.refused, u.chunk, u.ts, u.n
        FROM unnest(p_interview, p_stream, p_client_seq, p_refused, p_chunk, p_ts)
            WITH ORDINALITY AS u(i, s, client_seq, refused, chunk, ts, n)
    ), heads AS (
        SELECT * FROM unnest(locked_ids, locked_heads) AS h(id, head)
    ), streams AS (
        -- A frame past the highest client seq stored for its stream is new: only the
        -- others (a resend) are looked up one by one.
        SELECT s.interview_id, s.stream, (SELECT max(e.client_seq) FROM events e
            WHERE e.interview_id = s.interview_id AND e.stream = s.stream) AS top
        FROM (SELECT DISTINCT interview_id, stream FROM input
              WHERE stream IS NOT NULL AND client_seq IS NOT NULL AND refused IS NULL) AS s
    ), fresh AS (
        SELECT i.* FROM input i
        LEFT JOIN streams s ON s.interview_id = i.interview_id AND s.stream = i.stream
        WHERE i.refused IS NULL AND (i.client_seq IS NULL OR s.top IS NULL
            OR i.client_seq > s.top OR NOT EXISTS (
                SELECT 1 FROM events e WHERE e.interview_id = i.interview_id
                AND e.stream = i.stream AND e.client_seq = i.client_seq))
    ), numbered AS (
        SELECT f.*, h.head + row_number() OVER (PARTITION BY f.interview_id ORDER BY f.n) AS seq
        FROM fresh f JOIN heads h ON h.id = f.interview_id
    ), stored AS (
        INSERT INTO events (interview_id, seq, kind, stream, client_seq, ts, payload)
        SELECT nb.interview_id, nb.seq, p_kinds[p_kind[nb.n]], nb.stream, nb.client_seq,
               nb.ts, substring(p_payloads FROM coalesce(p_ends[nb.n - 1], 0) + 1
                                FOR p_ends[nb.n] - coalesce(p_ends[nb.n - 1], 0))
        FROM numbered nb
    ), refusals AS (
        INSERT INTO refused_frames (interview_id, stream, client_seq, code)
        SELECT interview_id, stream, client_seq, refused FROM input WHERE refused IS NOT NULL
        ON CONFLICT DO NOTHING
    ), moved AS (
        UPDATE interviews SET head_seq = m.head
        FROM (SELECT interview_id, max(seq) AS head FROM numbered GROUP BY interview_id) AS m
        WHERE interviews.id = m.interview_id
        RETURNING interviews.id, interviews.head_seq
    ), notified AS (
        SELECT pg_notify(p_channel, id::text || ':' || head_seq::text || ':' || p_origin) FROM moved
    ), audio AS (
        SELECT interview_id, stream, count(*) AS chunks, min(chunk) AS first_chunk,
               max(chunk) AS last_chunk, min(ts) AS first_ts
        FROM numbered WHERE chunk IS NOT NULL GROUP BY interview_id, stream
    ), positions AS (
        -- Only the stream's position moves here; the file is written after the commit.
        -- Rows are taken in (interview, stream) order, as the recording writer takes them.
        INSERT INTO recordings AS r (id, interview_id, stream, mime, file_name, size_bytes,
                                     next_chunk, started_ts)
        SELECT gen_random_uuid(), a.interview_id, a.stream, s.mime, s.file_name, 0, a.chunks,
               a.first_ts
        FROM audio a JOIN unnest(a_interview, a_stream, a_mime, a_file)
            AS s(interview_id, stream, mime, file_name)
            ON s.interview_id = a.interview_id AND s.stream = a.stream
        ORDER BY a.interview_id, a.stream
        ON CONFLICT (interview_id, stream)
            DO UPDATE SET next_chunk = r.next_chunk + excluded.next_chunk
        RETURNING r.interview_id, r.stream, r.next_chunk
    )
    SELECT
        (SELECT array_agg(nb.seq ORDER BY i.n) FROM input i LEFT JOIN numbered nb ON nb.n = i.n),
        (SELECT string_agg(format('audio chunk %s out of order (next is %s)',
                                  a.first_chunk, p.next_chunk - a.chunks), '; ')
         FROM positions p JOIN audio a ON a.interview_id = p.interview_id AND a.stream = p.stream
         WHERE p.next_chunk <> a.last_chunk + 1 OR a.last_chunk - a.first_chunk + 1 <> a.chunks)
    INTO seqs, disordered
    FROM (SELECT count(*) FROM notified) AS sent;
    IF disordered IS NOT NULL THEN
        RAISE EXCEPTION '%', disordered;
    END IF;
    RETURN seqs;
END
$$
"""


# 0009's function (another signature) is left in place: during a rolling deploy, the
# previous release's processes keep writing with it until they are replaced.
def upgrade() -> None:
    op.execute(LOG_EVENTS)


def downgrade() -> None:
    op.execute("DROP FUNCTION log_events(uuid[], text[], text[], integer[], integer[], integer[],"
               " bigint[], bigint[], bytea, integer[], integer[], text[], uuid[], text[], text[],"
               " text[], text, text)")
