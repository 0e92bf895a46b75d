"""log a batch of events in one statement (the event writer's group commit)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# The arrays p_* hold one entry per item of the batch, in order; a_* one per audio stream
# of the batch (what a new recordings row is made of). Returns each item's seq, NULL for
# a refused frame or one already stored.
LOG_EVENTS = """
CREATE FUNCTION log_events(
    p_interview uuid[], p_kind text[], p_stream text[], p_client_seq bigint[], p_ts bigint[],
    p_payload bytea[], p_chunk integer[], p_refused text[],
    a_interview uuid[], a_stream text[], a_mime text[], a_file text[],
    p_channel text, p_origin text
) RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE
    wanted uuid[] := ARRAY(SELECT DISTINCT w FROM unnest(p_interview) AS w ORDER BY w);
    locked bigint;
    gone uuid;
    seqs bigint[];
    disordered text;
BEGIN
    -- Every writer locks its interviews' rows in id order, so writers cannot deadlock. The
    -- next statement takes its snapshot once they are locked: it sees every frame stored
    -- for these interviews by any process, and their current heads.
    PERFORM 1 FROM interviews WHERE id = ANY(wanted) ORDER BY id FOR UPDATE;
    GET DIAGNOSTICS locked = ROW_COUNT;
    IF locked < cardinality(wanted) THEN
        SELECT w INTO gone FROM unnest(wanted) AS w
        WHERE NOT EXISTS (SELECT 1 FROM interviews WHERE id = w) LIMIT 1;
        RAISE EXCEPTION 'interview % is gone', gone USING ERRCODE = 'no_data_found';
    END IF;

    WITH input AS (
        SELECT * FROM unnest(p_interview, p_kind, p_stream, p_client_seq, p_ts, p_payload,
                             p_chunk, p_refused)
            WITH ORDINALITY AS u(interview_id, kind, stream, client_seq, ts, payload, chunk,
                                 refused, n)
    ), candidates AS (
        SELECT i.*, row_number() OVER (PARTITION BY i.interview_id, i.stream, i.client_seq
                                       ORDER BY i.n) AS copy
        FROM input i WHERE i.refused IS NULL
    ), fresh AS (
        -- A candidate frame is stored once: not if stored already, nor twice in the batch.
        SELECT * FROM candidates c
        WHERE c.stream IS NULL OR c.client_seq IS NULL OR (c.copy = 1 AND NOT EXISTS (
            SELECT 1 FROM events e WHERE e.interview_id = c.interview_id
            AND e.stream = c.stream AND e.client_seq = c.client_seq))
    ), numbered AS (
        SELECT f.*, v.head_seq + row_number() OVER (PARTITION BY f.interview_id ORDER BY f.n) AS seq
        FROM fresh f JOIN interviews v ON v.id = f.interview_id
    ), stored AS (
        INSERT INTO events (interview_id, seq, kind, stream, client_seq, ts, payload)
        SELECT interview_id, seq, kind, stream, client_seq, ts, payload FROM numbered
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


def upgrade() -> None:
    op.execute(LOG_EVENTS)


def downgrade() -> None:
    op.execute("DROP FUNCTION log_events(uuid[], text[], text[], bigint[], bigint[], bytea[],"
               " integer[], text[], uuid[], text[], text[], text[], text, text)")
