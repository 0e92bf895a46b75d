"""The batching event-log writer (group commit).

Every logged event goes through :class:`EventWriter`. One task per process takes
what is queued, closes a batch after ``max_delay_s`` or ``max_batch`` events,
and writes it in one transaction: lock the interviews' rows, drop candidate
frames already stored (same stream and client seq), give the rest the next
gapless ``seq``, insert them with COPY, run the derived writes that belong to
them, move the heads and ``NOTIFY`` other processes. Only after the commit are
the waiting appends resolved, so acknowledgement and broadcast follow durability.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Mapping, Sequence

import asyncpg
from sqlalchemy.exc import DBAPIError, InterfaceError
from sqlalchemy.ext.asyncio import AsyncEngine

from server.hub.events import StoredEvent, pack
from server.hub.recordings import Chunk, RecordingStore
from server.observability.metrics import WRITER_BATCH, WRITER_COMMIT

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "interview_events"

# A derived write runs inside the batch's transaction once the event has its seq.
DerivedWrite = Callable[[asyncpg.Connection, StoredEvent], Awaitable[None]]
Committed = Callable[[Sequence[StoredEvent]], None]


class Unavailable(Exception):
    """The log cannot take more events now (database down and the buffer full)."""


class InterviewGone(Exception):
    """The interview was deleted; its events cannot be stored."""


@dataclass
class Append:
    interview_id: uuid.UUID
    kind: str
    d: Mapping[str, Any]
    ts: int
    stream: str | None = None
    client_seq: int | None = None
    derived: DerivedWrite | None = None
    # Set (to the error code) to record a refused client frame instead of an event.
    refused: str | None = None
    # An audio chunk to append to its stream's recording, with the other chunks of the batch.
    audio: Chunk | None = None
    # None once resolved as a duplicate of a stored frame.
    result: asyncio.Future[StoredEvent | None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


def now_ms() -> int:
    return int(time.time() * 1000)


class EventWriter:
    def __init__(
        self,
        engine: AsyncEngine,
        on_commit: Committed,
        *,
        origin: str,
        recordings: RecordingStore | None = None,
        max_batch: int = 500,
        max_delay_s: float = 0.002,
        max_pending: int = 20_000,
    ) -> None:
        self._engine = engine
        self._recordings = recordings
        # Names this process in its notifications, so it can skip its own.
        self.origin = origin
        self._on_commit = on_commit
        self._max_batch = max_batch
        self._max_delay_s = max_delay_s
        self._max_pending = max_pending
        self._queue: asyncio.Queue[Append] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.healthy = True
        self.batches = 0
        self.committed = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="event-writer")

    def is_healthy(self) -> bool:
        """False while the log cannot be written (what ``/readyz`` reports)."""
        return self.healthy and (self._task is None or not self._task.done())

    async def stop(self) -> None:
        """Write what is queued, then stop."""
        if self._task is None:
            return
        self._queue.put_nowait(_STOP)
        await self._task
        self._task = None

    def append_in_background(self, item: Append) -> None:
        """Log a server event nobody waits for (a nudge, a notice); a failure is logged."""
        try:
            self.append(item).add_done_callback(_log_failure)
        except Unavailable:
            log.warning("%s event for %s dropped: the log is not keeping up", item.kind,
                        item.interview_id)

    def append(self, item: Append) -> asyncio.Future[StoredEvent | None]:
        if self._queue.qsize() >= self._max_pending:
            raise Unavailable("the event log is not keeping up; retry later")
        self._queue.put_nowait(item)
        return item.result

    async def _next_batch(self) -> list[Append]:
        batch = [await self._queue.get()]
        deadline = time.monotonic() + self._max_delay_s
        while len(batch) < self._max_batch:
            try:
                batch.append(self._queue.get_nowait())
                continue
            except asyncio.QueueEmpty:
                pass
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(self._queue.get(), remaining))
            except asyncio.TimeoutError:
                break
        return batch

    async def _run(self) -> None:
        stopping = False
        while not stopping:
            batch = await self._next_batch()
            if _STOP in batch:
                stopping = True
                batch = [item for item in batch if item is not _STOP]
                while not self._queue.empty():
                    item = self._queue.get_nowait()
                    if item is not _STOP:
                        batch.append(item)
            if batch:
                await self._write_with_retry(batch)

    async def _write_with_retry(self, batch: list[Append]) -> None:
        delay = 0.05
        while True:
            try:
                started = time.perf_counter()
                stored = await self._write(batch)
                WRITER_COMMIT.observe(time.perf_counter() - started)
                WRITER_BATCH.observe(len(batch))
                break
            except Exception as error:
                if is_connection_error(error):
                    # The database is away: keep the batch and retry; nothing is acknowledged.
                    self.healthy = False
                    log.warning("event log unavailable (%s); retrying in %.2fs", error, delay)
                    await asyncio.sleep(delay * (0.5 + random.random()))
                    delay = min(delay * 2, 2.0)
                    continue
                if len(batch) == 1:
                    log.exception("event could not be stored")
                    _fail(batch[0], error)
                    return
                # One bad item must not sink the others: write them one by one.
                for item in batch:
                    await self._write_with_retry([item])
                return
        self.healthy = True
        self.batches += 1
        self.committed += sum(event is not None for event in stored)
        for item, event in zip(batch, stored):
            if not item.result.done():
                item.result.set_result(event)
        events = [event for event in stored if event is not None]
        if events:
            try:
                self._on_commit(events)
            except Exception:
                log.exception("delivering committed events failed")

    async def _write(self, batch: list[Append]) -> list[StoredEvent | None]:
        async with self._engine.connect() as connection:
            raw = await connection.get_raw_connection()
            pg: asyncpg.Connection = raw.driver_connection  # type: ignore[assignment]
            async with pg.transaction():
                return await _write_batch(pg, batch, self.origin, self._recordings)


async def _write_batch(
    pg: asyncpg.Connection, batch: list[Append], origin: str, recordings: RecordingStore | None
) -> list[StoredEvent | None]:
    interview_ids = sorted({item.interview_id for item in batch})
    rows = await pg.fetch(
        "SELECT id, head_seq FROM interviews WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE",
        interview_ids,
    )
    heads: dict[uuid.UUID, int] = {row["id"]: row["head_seq"] for row in rows}
    existing = await _stored_frames(pg, batch)
    stored: list[StoredEvent | None] = []
    seen: set[tuple[uuid.UUID, str, int]] = set()
    records: list[tuple[Any, ...]] = []
    refusals: list[Append] = []
    for item in batch:
        if item.interview_id not in heads:
            raise InterviewGone(str(item.interview_id))
        if item.refused is not None:
            refusals.append(item)
            stored.append(None)
            continue
        if item.stream is not None and item.client_seq is not None:
            key = (item.interview_id, item.stream, item.client_seq)
            if key in existing or key in seen:
                stored.append(None)
                continue
            seen.add(key)
        heads[item.interview_id] += 1
        event = StoredEvent(
            interview_id=item.interview_id,
            seq=heads[item.interview_id],
            kind=item.kind,
            ts=item.ts,
            d=item.d,
            stream=item.stream,
            client_seq=item.client_seq,
        )
        stored.append(event)
        records.append(
            (event.interview_id, event.seq, event.kind, event.stream, event.client_seq,
             event.ts, pack(dict(event.d)))
        )
    if refusals:
        await pg.execute(
            "INSERT INTO refused_frames (interview_id, stream, client_seq, code)"
            " SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[])"
            " ON CONFLICT DO NOTHING",
            [r.interview_id for r in refusals], [r.stream for r in refusals],
            [r.client_seq for r in refusals], [r.refused for r in refusals],
        )
    if records:
        await pg.copy_records_to_table(
            "events",
            records=records,
            columns=("interview_id", "seq", "kind", "stream", "client_seq", "ts", "payload"),
        )
        audio = [(item.audio, event) for item, event in zip(batch, stored)
                 if event is not None and item.audio is not None]
        if audio:
            if recordings is None:
                raise RuntimeError("audio chunks need a recording store")
            await recordings.write_batch(pg, audio)
        for item, event in zip(batch, stored):
            if event is not None and item.derived is not None:
                await item.derived(pg, event)
        moved = [(i, heads[i]) for i in interview_ids]
        await pg.execute(
            "UPDATE interviews SET head_seq = v.head FROM unnest($1::uuid[], $2::bigint[])"
            " AS v(id, head) WHERE interviews.id = v.id",
            [i for i, _ in moved],
            [h for _, h in moved],
        )
        await pg.execute(
            "SELECT pg_notify($1, v.id::text || ':' || v.head::text || ':' || $4)"
            " FROM unnest($2::uuid[], $3::bigint[]) AS v(id, head)",
            NOTIFY_CHANNEL,
            [i for i, _ in moved],
            [h for _, h in moved],
            origin,
        )
    return stored


async def _stored_frames(
    pg: asyncpg.Connection, batch: list[Append]
) -> set[tuple[uuid.UUID, str, int]]:
    frames = [
        (item.interview_id, item.stream, item.client_seq)
        for item in batch
        if item.stream is not None and item.client_seq is not None and item.refused is None
    ]
    if not frames:
        return set()
    rows = await pg.fetch(
        "SELECT e.interview_id, e.stream, e.client_seq FROM events e"
        " JOIN unnest($1::uuid[], $2::text[], $3::bigint[]) AS f(interview_id, stream, client_seq)"
        " ON e.interview_id = f.interview_id AND e.stream = f.stream"
        " AND e.client_seq = f.client_seq",
        [f[0] for f in frames],
        [f[1] for f in frames],
        [f[2] for f in frames],
    )
    return {(row["interview_id"], row["stream"], row["client_seq"]) for row in rows}


_CONNECTION_ERRORS = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.OperatorInterventionError,  # server shutting down or restarting
)


def is_connection_error(error: BaseException | None) -> bool:
    """True when the database could not be reached, as opposed to a bad statement."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    while error is not None:
        if isinstance(error, (*_CONNECTION_ERRORS, InterfaceError)):
            return True
        error = error.__cause__ or getattr(error, "orig", None)
    return False


def _log_failure(future: asyncio.Future[StoredEvent | None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("event could not be stored: %s", future.exception())


def _fail(item: Append, error: Exception) -> None:
    if not item.result.done():
        item.result.set_exception(error)


_STOP: Any = object()
