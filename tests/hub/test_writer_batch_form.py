"""A batch goes to the database in a compact form (indexes into short lists, integer
array literals, the payloads joined): every row must come out as it went in."""

from __future__ import annotations

import asyncio

import asyncpg

from db.embedded import libpq_dsn
from server.database import Database
from server.hub.event_writer import Append, EventWriter, _indexed, _int_array, now_ms
from server.hub.events import pack
from tests.hub.conftest import new_interview


def test_int_array_literals_spell_none_as_null() -> None:
    assert _int_array([]) == "{}"
    assert _int_array([1, None, -3, 2**62]) == "{1,NULL,-3,%d}" % 2**62


def test_indexed_lists_each_value_once_and_points_into_the_list() -> None:
    values, indexes = _indexed(["b", None, "a", "b", None, "a", "c"])
    assert values == ["b", "a", "c"]
    assert indexes == "{1,NULL,2,1,NULL,2,3}"


async def test_a_mixed_batch_is_stored_row_for_row(database: Database) -> None:
    first, second = await new_interview(database), await new_interview(database)
    writer = EventWriter(database.engine, lambda events: None, origin="test", max_delay_s=60)
    writer.start()
    now = now_ms()  # old timestamps would be what retention purges in other tests
    items = [
        Append(first, "face", {"frames": [{"t": 1, "face": True}]}, now,
               stream="s1", client_seq=1),
        Append(second, "transcript", {"text": "naïve — ünïcode", "final": False}, now + 1,
               stream="s2", client_seq=7),
        Append(first, "note", {"to": "candidate", "text": "a server event"}, now + 2),
        Append(first, "face", {"frames": []}, now + 3, stream="s1", client_seq=1),  # a resend
        Append(first, "transcript", {"text": "x" * 5000, "final": True}, now + 4, stream="s3",
               client_seq=2),
        Append(second, "audio", {"seg": 0, "chunk": 0, "data": b"\x00\xff" * 300}, now + 5,
               stream="s2", client_seq=8, refused="too_large"),
        Append(second, "state", {"action": "answer_end"}, now + 6, stream="s2", client_seq=9,
               urgent=True),
    ]
    try:
        results = [writer.append(item) for item in items]
        stored = await asyncio.wait_for(asyncio.gather(*results), 10)
    finally:
        await writer.stop(timeout_s=5)
    assert writer.batches == 1
    assert stored[3] is None and stored[5] is None  # the resend, the refusal
    assert [(e.interview_id, e.seq) for e in stored if e is not None] == [
        (first, 1), (second, 1), (first, 2), (first, 3), (second, 2)]

    connection = await asyncpg.connect(libpq_dsn(database.url))
    try:
        rows = await connection.fetch(
            "SELECT interview_id, seq, kind, stream, client_seq, ts, payload FROM events"
            " WHERE interview_id = ANY($1) ORDER BY interview_id = $2 DESC, seq",
            [first, second], first)
        refused = await connection.fetch(
            "SELECT interview_id, stream, client_seq, code FROM refused_frames"
            " WHERE interview_id = ANY($1)", [first, second])
    finally:
        await connection.close()
    expected = [items[0], items[2], items[4], items[1], items[6]]
    assert [(r["interview_id"], r["kind"], r["stream"], r["client_seq"], r["ts"],
             bytes(r["payload"])) for r in rows] == [
        (i.interview_id, i.kind, i.stream, i.client_seq, i.ts, pack(i.d)) for i in expected]
    assert [tuple(r) for r in refused] == [(second, "s2", 8, "too_large")]
