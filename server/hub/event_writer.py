"""The batching event-log writer (group commit).

Every logged event goes through :class:`EventWriter`. One task per process takes
what is queued, closes a batch after ``max_delay_s`` or ``max_batch`` events,
and writes it in one transaction: lock the interviews' rows, drop candidate
frames already stored (same stream and client seq), give the rest the next
gapless ``seq``, insert them, run the derived writes that belong to them, move
the heads and the audio streams' positions, and ``NOTIFY`` other processes. Only
after the commit are the waiting appends resolved, so acknowledgement and
broadcast follow durability; then the committed audio goes to the recording
writer, which appends it to the files off the acknowledgement path.

When the database is away the batch is retried with backoff (the pool replaces dead
connections), the process is told it is degraded, and client frames wait in a bounded
buffer: past the bound new ones are refused, never dropped once taken.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any, Awaitable, Callable, Mapping, Sequence

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from server.hub.events import StoredEvent, pack
from server.hub.held_connection import (
    FIRST_RETRY_DELAY_S,
    HeldConnection,
    back_off,
    is_connection_error,
    is_transient,
)
from server.hub.recordings import Chunk, RecordingWriter, file_name
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
    # Written without waiting for more to batch with it: a candidate's state change (an
    # answer's end), which the interview's next step, and so its next question, waits for.
    urgent: bool = False
    # None once resolved as a duplicate of a stored frame.
    result: asyncio.Future[StoredEvent | None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    # Called as soon as ``result`` is set (stored, a duplicate, or failed): a plain call, where
    # a done callback per frame would cost a context copy and a turn of the event loop.
    settled: Callable[[], None] | None = None
    # The frame's size on the wire while it counts against the buffer bound.
    frame_bytes: int = field(default=0, init=False, repr=False)
    # ``d`` encoded, by ``append``: off the writer's serial path.
    payload: bytes | None = field(default=None, init=False, repr=False)


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
        recordings: RecordingWriter | None = None,
        max_batch: int = 500,
        max_delay_s: float = 0.002,
        max_pending: int = 20_000,
        max_pending_bytes: int = 64 * 1024 * 1024,
        on_health: Health | None = None,
    ) -> None:
        self._connection = HeldConnection(engine, "event writer")
        # Committed audio chunks go there, to be appended to their recordings' files.
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
        self._queued: deque[Append] = deque()
        # Something queued closes the batch at once (see ``_closes_batch``).
        self._urgent = False
        # What the writer task awaits while it waits for work, and whether it is gathering
        # company for a batch (then only an urgent item or a full batch wakes it early).
        self._waiting: asyncio.Future[None] | None = None
        self._gathering = False
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        # The batch being written (and retried while the database is away).
        self._writing: list[Append] = []
        # When the writer last became free to write a batch, and when the first item now
        # queued came (time.monotonic).
        self._free_since = 0.0
        self._first_queued_at = 0.0
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
        self._stopping = True
        self._enqueue(_STOP)
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout_s)
        except asyncio.TimeoutError:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            left = [*self._writing, *self._take_queued()]
            for item in left:
                self._fail(item, Unavailable("the server stopped before this could be stored"))
            log.error("stopping with %d events not stored (none was acknowledged)", len(left))
        await self._connection.release()

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
            item.frame_bytes = frame_bytes
        if item.refused is None:
            try:
                item.payload = pack(item.d if type(item.d) is dict else dict(item.d))
            except Exception as error:
                self._fail(item, error)
                return item.result
        self._enqueue(item)
        return item.result

    def _enqueue(self, item: Append) -> None:
        if not self._queued:
            self._first_queued_at = time.monotonic()
        self._queued.append(item)
        if _closes_batch(item):
            self._urgent = True
        waiting = self._waiting
        if waiting is not None and (
            not self._gathering or self._urgent or len(self._queued) >= self._max_batch
        ):
            _wake(waiting)

    def _resolve(self, item: Append, event: StoredEvent | None) -> None:
        if not item.result.done():
            item.result.set_result(event)
            self._settled(item)

    def _fail(self, item: Append, error: BaseException) -> None:
        if not item.result.done():
            item.result.set_exception(error)
            self._settled(item)

    def _settled(self, item: Append) -> None:
        if item.frame_bytes:
            self.buffered_frames -= 1
            self.buffered_bytes -= item.frame_bytes
            item.frame_bytes = 0
        if item.settled is not None:
            try:
                item.settled()
            except Exception:
                log.exception("acting on a settled append failed")

    async def _next_batch(self) -> list[Append]:
        queued = self._queued
        if not queued:
            await self._wait(None)
        if not self._urgent and len(queued) < self._max_batch:
            # The window opens when the first item comes or the writer is free again,
            # whichever is later: the time spent handing the last batch on counts.
            left = max(self._free_since, self._first_queued_at) + self._max_delay_s \
                - time.monotonic()
            if left > 0:
                await self._wait(left)
        batch = [queued.popleft() for _ in range(min(len(queued), self._max_batch))]
        self._urgent = any(map(_closes_batch, queued))
        return batch

    async def _wait(self, timeout_s: float | None) -> None:
        """Until something is queued (no timeout), or until ``timeout_s`` has passed while
        the batch gathers company, less if something urgent comes or the batch fills. One
        timer per batch: a wait per arriving item would cost a task each."""
        loop = asyncio.get_running_loop()
        self._waiting = waiting = loop.create_future()
        self._gathering = timeout_s is not None
        timer = None if timeout_s is None else loop.call_later(timeout_s, _wake, waiting)
        try:
            await waiting
        finally:
            self._waiting = None
            if timer is not None:
                timer.cancel()

    def _take_queued(self) -> list[Append]:
        """Everything still queued, the stop marker left out."""
        items = [item for item in self._queued if item is not _STOP]
        self._queued.clear()
        return items

    async def _run(self) -> None:
        stopping = False
        while not stopping:
            batch = await self._next_batch()
            # By identity (``in`` would compare every item with the dataclass's __eq__), and
            # only once told to stop.
            if self._stopping and any(item is _STOP for item in batch):
                stopping = True
                batch = [item for item in batch if item is not _STOP] + self._take_queued()
            if batch:
                self._writing = batch
                await self._write_with_retry(batch)
                self._writing = []

    async def _write_with_retry(self, batch: list[Append]) -> None:
        delay = FIRST_RETRY_DELAY_S
        while True:
            try:
                started = time.perf_counter()
                stored = await self._write(batch)
                self._free_since = time.monotonic()
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
                    delay = await back_off(delay)
                    continue
                if len(batch) == 1:
                    log.exception("event could not be stored")
                    self._fail(batch[0], error)
                    return
                # One bad item must not sink the others: write them one by one.
                for item in batch:
                    await self._write_with_retry([item])
                return
        self._set_healthy(True)
        self.batches += 1
        self.committed += sum(event is not None for event in stored)
        for item, event in zip(batch, stored):
            self._resolve(item, event)
        events = [event for event in stored if event is not None]
        if events:
            try:
                self._on_commit(events)
            except Exception:
                log.exception("delivering committed events failed")
            if self._recordings is not None:
                audio = [(item.audio, event) for item, event in zip(batch, stored)
                         if event is not None and item.audio is not None]
                if audio:
                    self._recordings.submit(audio)

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
        pg = await self._connection.get()
        try:
            if any(item.derived is not None for item in batch):
                async with pg.transaction():
                    return await _write_batch(pg, batch, self.origin)
            return await _write_batch(pg, batch, self.origin)
        except Exception as error:
            if is_connection_error(error):
                await self._connection.drop()
            raise


async def _write_batch(
    pg: asyncpg.Connection, batch: list[Append], origin: str
) -> list[StoredEvent | None]:
    """Write ``batch`` with ``log_events`` (migrations 0009 and 0010): one statement locks the
    interviews' rows, drops candidate frames already stored (same stream and client seq),
    gives the rest the next gapless ``seq``, inserts them, records refusals, moves the heads
    and the audio streams' positions, and NOTIFYs. Without derived writes it is the whole
    transaction, one round trip."""
    # A candidate frame twice in the batch (a resend) is sent once.
    sent: list[Append] = []
    seen: set[tuple[uuid.UUID, str, int]] = set()
    audio: dict[tuple[uuid.UUID, str], Chunk] = {}
    refusals = False
    for item in batch:
        if item.refused is not None:
            refusals = True
        elif item.stream is not None and item.client_seq is not None:
            key = (item.interview_id, item.stream, item.client_seq)
            if key in seen:
                continue
            seen.add(key)
        sent.append(item)
        chunk = item.audio
        if chunk is not None and item.refused is None:
            audio.setdefault((chunk.interview_id, chunk.stream), chunk)
    files = list(audio.values())
    interviews, interview_at = _indexed([item.interview_id for item in sent])
    streams, stream_at = _indexed([item.stream for item in sent])
    kinds, kind_at = _indexed([item.kind for item in sent])
    payloads = [item.payload or b"" for item in sent]
    try:
        seqs = await pg.fetchval(
            _LOG_EVENTS,
            interviews, streams, kinds, interview_at, stream_at, kind_at,
            _int_array([item.client_seq for item in sent]),
            _int_array([item.ts for item in sent]),
            b"".join(payloads),
            _int_array(list(accumulate(map(len, payloads)))),
            # All NULL (no audio, no refusal) is sent empty: unnest pads it with NULLs.
            _int_array([None if item.audio is None else item.audio.chunk for item in sent])
            if audio else "{}",
            [item.refused for item in sent] if refusals else [],
            [c.interview_id for c in files],
            [c.stream for c in files],
            [c.mime[:100] for c in files],
            [file_name(c.interview_id, c.stream, c.mime) for c in files],
            NOTIFY_CHANNEL,
            origin,
        )
    except asyncpg.exceptions.NoDataFoundError as error:
        raise InterviewGone(str(error)) from error
    stored: list[StoredEvent | None] = [
        None if seq is None else
        StoredEvent(item.interview_id, seq, item.kind, item.ts, item.d, item.stream, item.client_seq,
                    item.payload)
        for item, seq in zip(sent, seqs)
    ]
    for item, event in zip(sent, stored):
        if event is not None and item.derived is not None:
            await item.derived(pg, event)
    if len(sent) == len(batch):
        return stored
    events = {id(item): event for item, event in zip(sent, stored)}
    return [events.get(id(item)) for item in batch]


_LOG_EVENTS = (
    "SELECT log_events($1, $2, $3, $4::text::integer[], $5::text::integer[],"
    " $6::text::integer[], $7::text::bigint[], $8::text::bigint[], $9, $10::text::integer[],"
    " $11::text::integer[], $12, $13, $14, $15, $16, $17, $18)"
)


def _int_array(values: list[int | None]) -> str:
    """A PostgreSQL array literal of ``values`` (None is NULL).

    The integer arrays go as literals: the driver checks each element of an array parameter
    in Python before encoding it, which costs more than the database's own work with it."""
    return "{%s}" % ",".join(map(str, values)).replace("None", "NULL")


def _indexed(values: list[Any]) -> tuple[list[Any], str]:
    """Each value once (in order of first appearance), and the 1-based index of every value
    into that list, as an array literal (None stays NULL)."""
    positions: dict[Any, int] = {}
    indexes = [None if value is None else positions.setdefault(value, len(positions) + 1)
               for value in values]
    return list(positions), _int_array(indexes)


def _log_failure(future: asyncio.Future[StoredEvent | None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("event could not be stored: %s", future.exception())


_STOP: Any = object()


def _wake(waiting: asyncio.Future[None]) -> None:
    if not waiting.done():
        waiting.set_result(None)


def _closes_batch(item: Append) -> bool:
    """Whether the batch is written as soon as ``item`` is in it (no waiting for company)."""
    return item is _STOP or item.urgent
