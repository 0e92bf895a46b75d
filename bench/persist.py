"""Persistence: the event writer's committed events/s versus raw COPY into the same table.

Both write the same rows (a face message as the candidate path stores it) for the same
interviews, in the same run. The writer does what it does for every live event (lock the
interviews' rows, skip already stored client seqs, gapless seq, insert, move the heads,
NOTIFY) with its group commit; the raw path is asyncpg ``copy_records_to_table`` in
batches of 500, one transaction each, and nothing else. Each side's input is made before
its clock starts: the COPY side's records, the writer's appends (encoding each one's
payload is the writer's work, so that stays timed, where COPY is given one shared payload
already encoded).

The machine is shared and noisy, so the two alternate, round after round, each round
writing fresh frames of the same interviews, and the medians of the rounds are compared.

The writer is measured once more with its event loop kept about 75 % busy by other work,
as a loaded server's is: there every await of the writer waits its turn, so what counts
is how few it makes per batch.
"""

from __future__ import annotations

import asyncio
import secrets
import statistics
import time
import uuid
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

import asyncpg

from bench.saturate import face_payload
from db.embedded import libpq_dsn
from db.queries.interviews import create_interview
from server.accounts import register
from server.collector import settle_after_start
from server.database import Database
from server.hub.event_writer import Append, EventWriter, now_ms
from server.hub.events import pack
from server.settings import Settings
from server.validation import registration


async def _interviews(database: Database, count: int) -> list[uuid.UUID]:
    async with database.transaction() as session:
        owner = await register(session, registration({
            "username": f"bench-{secrets.token_hex(5)}", "password": "benchmark password",
            "role": "candidate"}))
        ids = []
        for _ in range(count):
            # Straight to the table: the HTTP layer's per-account quota is not what is measured.
            interview = await create_interview(
                session, owner_id=owner.id, kind="technical", role_title="Backend engineer",
                difficulty="mid", questions_total=3)
            ids.append(interview.id)
    return ids


async def writer_rate(database: Database, interviews: list[uuid.UUID], events: int,
                      producers_window: int = 2000) -> float:
    """Events/s committed by the EventWriter, ``producers_window`` appends kept queued.

    The appends are made before the clock starts, as the COPY side's rows are; what is
    timed is what the writer does with them: encode and queue (``append``), batch, write,
    resolve. The window is kept as live connections keep theirs, by ``settled``."""
    writer = EventWriter(database.engine, lambda _: None, origin="bench")
    writer.start()
    payload = face_payload()
    streams = {i: str(uuid.uuid4()) for i in interviews}
    seqs = {i: 0 for i in interviews}
    room = asyncio.Event()
    in_flight = 0

    def settled() -> None:
        nonlocal in_flight
        in_flight -= 1
        if in_flight < producers_window:
            room.set()

    appends = []
    for n in range(events):
        interview = interviews[n % len(interviews)]
        seqs[interview] += 1
        appends.append(Append(interview, "face", payload, now_ms(), stream=streams[interview],
                              client_seq=seqs[interview], settled=settled))
    start = time.perf_counter()
    for item in appends:
        while in_flight >= producers_window:
            room.clear()
            await room.wait()
        in_flight += 1
        writer.append(item)
    while in_flight:
        room.clear()
        await room.wait()
    elapsed = time.perf_counter() - start
    await writer.stop()
    return writer.committed / elapsed


@asynccontextmanager
async def busy_loop(share: float = 0.75, slice_s: float = 0.003) -> AsyncIterator[None]:
    """Keep the running event loop ``share`` busy with work of ``slice_s`` at a time."""
    stop = asyncio.Event()

    async def hog() -> None:
        while not stop.is_set():
            until = time.perf_counter() + slice_s
            while time.perf_counter() < until:
                pass
            await asyncio.sleep(slice_s * (1 - share) / share)

    task = asyncio.create_task(hog())
    try:
        yield
    finally:
        stop.set()
        await task


async def copy_rate(url: str, interviews: list[uuid.UUID], events: int, batch: int = 500,
                    base: int = 10_000_000) -> float:
    """Events/s of raw COPY: the rows the writer would store (a new stream per interview,
    client seqs counting up); seqs from ``base``, above anything the writer gives, so a later
    round's ``base`` must be past this one's rows."""
    connection = await asyncpg.connect(libpq_dsn(url))
    try:
        payload = pack(face_payload())
        streams = [str(uuid.uuid4()) for _ in interviews]
        records = []
        for n in range(events):
            slot = n % len(interviews)
            seq = base + n // len(interviews) + 1
            records.append((interviews[slot], seq, "face", streams[slot], seq, now_ms(), payload))
        start = time.perf_counter()
        for i in range(0, events, batch):
            async with connection.transaction():
                await connection.copy_records_to_table(
                    "events", records=records[i:i + batch],
                    columns=("interview_id", "seq", "kind", "stream", "client_seq", "ts",
                             "payload"))
        return events / (time.perf_counter() - start)
    finally:
        await connection.close()


async def run(url: str, *, events: int = 200_000, interviews: int = 50,
              rounds: int = 10) -> dict[str, Any]:
    """``events`` in all for each side, in ``rounds`` alternating rounds (which side goes
    first alternates too); the ratio is of the medians."""
    per_round = events // rounds
    writer: list[float] = []
    raw: list[float] = []
    database = await Database.open(Settings(environment="production", database_url=url,
                                            secret_key=secrets.token_urlsafe(48)))
    try:
        ids = await _interviews(database, interviews)
        settle_after_start()  # as the server does once it has started
        await writer_rate(database, ids, 2000)  # warm-up
        await copy_rate(url, ids, 2000, base=10_000_000)
        for n in range(rounds):
            base = 10_000_000 * (n + 2)
            if n % 2:
                raw.append(await copy_rate(url, ids, per_round, base=base))
                writer.append(await writer_rate(database, ids, per_round))
            else:
                writer.append(await writer_rate(database, ids, per_round))
                raw.append(await copy_rate(url, ids, per_round, base=base))
        async with busy_loop():
            busy = await writer_rate(database, ids, events // 5)
    finally:
        await database.close()
    ratios = sorted(w / r for w, r in zip(writer, raw))
    return {"events": events, "interviews": interviews, "rounds": rounds,
            "writer_events_per_s": round(statistics.median(writer)),
            "copy_events_per_s": round(statistics.median(raw)),
            "ratio": round(statistics.median(writer) / statistics.median(raw), 3),
            "round_ratios": [round(r, 3) for r in ratios],
            "writer_busy_loop_events_per_s": round(busy)}
