"""The batching event-log writer (group commit).

Every logged event goes through :class:`EventWriter`. One task per process takes
what is queued, closes a batch after ``max_delay_s`` or ``max_batch`` events,
and writes it in one transaction: lock the interviews' rows, drop candidate
frames already stored (same stream and client seq), give the rest the next
gapless ``seq``, insert them with COPY, run the derived writes that belong to
them, move the heads and ``NOTIFY`` other processes. Only after the commit are
the waiting appends resolved, so acknowledgement and broadcast follow durability.

When the database is away the batch is retried with backoff (the pool replaces dead
connections), the process is told it is degraded, and client frames wait in a bounded
buffer: past the bound new ones are refused, never dropped once taken.
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
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.hub.events import StoredEvent, pack
from server.hub.recordings import Chunk, RecordingStore
from server.observability.metrics import WRITER_BATCH, WRITER_COMMIT

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "interview_events"
# Retries of a batch back off from 50 ms, doubling, up to this (with jitter).
MAX_RETRY_DELAY_S = 2.0

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


Health = Callable[[bool], None]


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
        max_pending_bytes: int = 64 * 1024 * 1024,
        on_health: Health | None = None,
    ) -> None:
        self._engine = engine
        self._recordings = recordings
        # Names this process in its notifications, so it can skip its own.
        self.origin = origin
        self._on_commit = on_commit
        self._on_health = on_health
        self._max_batch = max_batch
        self._max_delay_s = max_delay_s
        # The bound on client frames held until stored (see ``append``).
        self._max_pending = max_pending
        self._max_pending_bytes = max_pending_bytes
        self.buffered_frames = 0
        self.buffered_bytes = 0
        self._queue: asyncio.Queue[Append] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        # The batch being written (and retried while the database is away).
        self._writing: list[Append] = []
        self._connection: AsyncConnection | None = None
        self._raw: asyncpg.Connection | None = None
        self.healthy = True
        self._outage_since: float | None = None
        self.outages = 0
        self.last_outage_s = 0.0
        self.batches = 0
        self.committed = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="event-writer")

    def is_healthy(self) -> bool:
        """False while the log cannot be written (what ``/readyz`` reports)."""
        return self.healthy and (self._task is None or not self._task.done())

    async def stop(self, timeout_s: float | None = None) -> None:
        """Write what is queued, then stop. If that takes longer than ``timeout_s`` (the
        database is away), what is left is failed: none of it was acknowledged."""
        task, self._task = self._task, None
        if task is None:
            return
        self._queue.put_nowait(_STOP)
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout_s)
        except asyncio.TimeoutError:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            left = 0
            while not self._queue.empty():
                item = self._queue.get_nowait()
                if item is not _STOP:
                    left += 1
                    _fail(item, Unavailable("the server stopped before this could be stored"))
            for item in self._writing:
                _fail(item, Unavailable("the server stopped before this could be stored"))
            log.error("stopping with %d events not stored (none was acknowledged)",
                      left + len(self._writing))
        await self._release_connection()

    def append_in_background(self, item: Append) -> None:
        """Log a server event nobody waits for (a nudge, a notice); a failure is logged."""
        self.append(item).add_done_callback(_log_failure)

    def append(
        self, item: Append, *, frame_bytes: int | None = None
    ) -> asyncio.Future[StoredEvent | None]:
        """Queue ``item``; its future resolves once it is committed.

        A client frame (``frame_bytes`` given: its size on the wire) counts against the
        buffer bound until it is stored, and past the bound raises :class:`Unavailable`: the
        client keeps it and resends it later. Server events are never refused: each flow
        has a few at most in flight, so they cannot pile up.
        """
        if frame_bytes is not None:
            if (self.buffered_frames >= self._max_pending
                    or self.buffered_bytes + frame_bytes > self._max_pending_bytes):
                reason = ("the database is unavailable" if not self.healthy
                          else "the event log is not keeping up")
                raise Unavailable(f"{reason}; this message was not taken: send it again later")
            self.buffered_frames += 1
            self.buffered_bytes += frame_bytes
            item.result.add_done_callback(lambda _: self._release(frame_bytes))
        self._queue.put_nowait(item)
        return item.result

    def _release(self, frame_bytes: int) -> None:
        self.buffered_frames -= 1
        self.buffered_bytes -= frame_bytes

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
                self._writing = batch
                await self._write_with_retry(batch)
                self._writing = []

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
                if is_connection_error(error) or is_transient(error):
                    # The database is away (or the batch lost a race it can win next time):
                    # keep the batch and retry; nothing of it is acknowledged meanwhile.
                    if is_connection_error(error):
                        self._set_healthy(False)
                    log.warning("event log unavailable (%s: %s); retrying in %.2fs",
                                type(error).__name__, error, delay)
                    await asyncio.sleep(delay * (0.5 + random.random()))
                    delay = min(delay * 2, MAX_RETRY_DELAY_S)
                    continue
                if len(batch) == 1:
                    log.exception("event could not be stored")
                    _fail(batch[0], error)
                    return
                # One bad item must not sink the others: write them one by one.
                for item in batch:
                    await self._write_with_retry([item])
                return
        self._set_healthy(True)
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

    def _set_healthy(self, healthy: bool) -> None:
        if healthy == self.healthy:
            return
        self.healthy = healthy
        if healthy:
            self.last_outage_s = time.monotonic() - (self._outage_since or time.monotonic())
            self._outage_since = None
            log.warning("event log available again after %.1fs", self.last_outage_s)
        else:
            self.outages += 1
            self._outage_since = time.monotonic()
            log.error("event log unavailable: holding up to %d frames (%d bytes) until the "
                      "database is back", self._max_pending, self._max_pending_bytes)
        if self._on_health is not None:
            try:
                self._on_health(healthy)
            except Exception:
                log.exception("reporting the event log's health failed")

    async def _write(self, batch: list[Append]) -> list[StoredEvent | None]:
        """Write one batch in one transaction on the writer's own connection."""
        pg = await self._pg()
        try:
            async with pg.transaction():
                return await _write_batch(pg, batch, self.origin, self._recordings)
        except Exception as error:
            if is_connection_error(error):
                await self._drop_connection()
            raise

    async def _pg(self) -> asyncpg.Connection:
        # The writer keeps one pooled connection checked out: a checkout per batch would
        # cost the pool's liveness ping, a round trip, on every batch. A lost connection
        # shows as an error on the next statement and is replaced then.
        if self._connection is None:
            connection = await self._engine.connect()
            try:
                raw = await connection.get_raw_connection()
            except BaseException:
                await connection.close()
                raise
            self._connection = connection
            self._raw = raw.driver_connection  # type: ignore[assignment]
        assert self._raw is not None
        return self._raw

    async def _drop_connection(self) -> None:
        connection, self._connection, self._raw = self._connection, None, None
        if connection is None:
            return
        try:
            await connection.invalidate()
        except Exception:
            log.debug("invalidating the writer's connection failed", exc_info=True)
        try:
            await connection.close()
        except Exception:
            log.debug("closing the writer's connection failed", exc_info=True)

    async def _release_connection(self) -> None:
        connection, self._connection, self._raw = self._connection, None, None
        if connection is not None:
            try:
                await connection.close()
            except Exception:  # the database may be the reason we are stopping
                log.debug("releasing the writer's connection failed", exc_info=True)


async def _write_batch(
    pg: asyncpg.Connection, batch: list[Append], origin: str, recordings: RecordingStore | None
) -> list[StoredEvent | None]:
    interview_ids = sorted({item.interview_id for item in batch})
    heads, existing = await _lock_heads(pg, interview_ids, batch)
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
             event.ts, pack(event.d if type(event.d) is dict else dict(event.d)))
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
        # Heads and notifications in one statement: one round trip fewer per batch.
        await pg.execute(
            "WITH moved AS (UPDATE interviews SET head_seq = v.head"
            " FROM unnest($1::uuid[], $2::bigint[]) AS v(id, head)"
            " WHERE interviews.id = v.id RETURNING interviews.id, interviews.head_seq)"
            " SELECT pg_notify($3, moved.id::text || ':' || moved.head_seq::text || ':' || $4)"
            " FROM moved",
            [i for i, _ in moved],
            [h for _, h in moved],
            NOTIFY_CHANNEL,
            origin,
        )
    return stored


async def _lock_heads(
    pg: asyncpg.Connection, interview_ids: list[uuid.UUID], batch: list[Append]
) -> tuple[dict[uuid.UUID, int], set[tuple[uuid.UUID, str, int]]]:
    """Lock the interviews' rows and read their heads, and find which of the batch's
    candidate frames are stored already (a resend), in one round trip.

    The frames are looked up with the statement's snapshot, taken before the locks: a
    frame that another process stored meanwhile is caught by the unique key instead (the
    batch fails and its items are written one by one, each looked up afresh)."""
    frames = [
        (item.interview_id, item.stream, item.client_seq)
        for item in batch
        if item.stream is not None and item.client_seq is not None and item.refused is None
    ]
    rows = await pg.fetch(
        "WITH locked AS (SELECT id, head_seq FROM interviews WHERE id = ANY($1::uuid[])"
        " ORDER BY id FOR UPDATE)"
        " SELECT id, head_seq, NULL::text AS stream, NULL::bigint AS client_seq FROM locked"
        " UNION ALL"
        " SELECT e.interview_id, NULL, e.stream, e.client_seq FROM events e"
        " JOIN unnest($2::uuid[], $3::text[], $4::bigint[]) AS f(interview_id, stream, client_seq)"
        " ON e.interview_id = f.interview_id AND e.stream = f.stream"
        " AND e.client_seq = f.client_seq",
        interview_ids,
        [f[0] for f in frames],
        [f[1] for f in frames],
        [f[2] for f in frames],
    )
    heads: dict[uuid.UUID, int] = {}
    existing: set[tuple[uuid.UUID, str, int]] = set()
    for row in rows:
        if row["head_seq"] is not None:
            heads[row["id"]] = row["head_seq"]
        else:
            existing.add((row["id"], row["stream"], row["client_seq"]))
    return heads, existing


_CONNECTION_ERRORS = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.OperatorInterventionError,  # server shutting down or restarting
)


# Errors a retry of the same transaction can get past.
_TRANSIENT_ERRORS = (
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.SerializationError,
)


def is_transient(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, _TRANSIENT_ERRORS):
            return True
        error = error.__cause__ or getattr(error, "orig", None)
    return False


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
