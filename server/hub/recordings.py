"""Audio recordings: each candidate stream's chunks appended, in order, to one file.

File names are made here (interview id and a hash of the stream id), never taken
from user input. The event log holds every audio chunk, and the event writer moves
the stream's ``recordings.next_chunk`` in the transaction that logs it. The file
follows after that commit, off the acknowledgement path: :class:`RecordingWriter`
appends the committed chunks at the recording's committed size, then indexes them
(``recording_chunks``) and moves ``size_bytes`` in a transaction of its own. A crash
in between leaves only bytes past the committed size, which the next write
overwrites and readers never see: ``recordings.size_bytes`` is the truth.

A file behind its stream's ``next_chunk`` (the process stopped before writing it,
or the disk was full, the folder unwritable) catches up from the log: at start-up,
once the database is back, and when a failed stream's retry is due.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from server.hub.events import StoredEvent, unpack
from server.hub.held_connection import (
    FIRST_RETRY_DELAY_S,
    HeldConnection,
    back_off,
    is_connection_error,
    is_transient,
)

log = logging.getLogger(__name__)

_EXTENSIONS = {"audio/webm": "webm", "audio/ogg": "ogg", "audio/mp4": "m4a", "audio/mpeg": "mp3",
               "audio/wav": "wav", "audio/aac": "aac"}


def extension(mime: str) -> str:
    return _EXTENSIONS.get(mime.split(";", 1)[0].strip().lower(), "bin")


# The event writer names the file of every audio stream in each batch it writes.
@functools.lru_cache(maxsize=4096)
def file_name(interview_id: uuid.UUID, stream: str, mime: str) -> str:
    digest = hashlib.sha256(stream.encode()).hexdigest()[:24]
    return f"{interview_id}/{digest}.{extension(mime)}"


@dataclass(frozen=True)
class Chunk:
    interview_id: uuid.UUID
    stream: str
    chunk: int
    mime: str
    data: bytes


Failed = Callable[[uuid.UUID, str, OSError], None]

# After a failed write, a stream's recording is retried after this long, doubling up to
# the maximum: meanwhile its chunks are only logged, so a broken disk costs nothing per frame.
RETRY_AFTER_S = 1.0
MAX_RETRY_AFTER_S = 30.0


# Threads that write one round's files at once.
WRITE_THREADS = 4


@dataclass
class _Failing:
    retry_at: float
    wait_s: float


class RecordingStore:
    """Writes the recordings. The event log holds every audio chunk too, so a recording that
    could not be written (disk full, folder unwritable) falls behind and catches up from the
    log once writing works again; the stream's audio is never refused for it."""

    def __init__(self, root: Path, on_failure: Failed | None = None,
                 clock: Callable[[], float] = time.monotonic, *, threads: int = 8) -> None:
        self.root = root
        # Told (outside any lock) when a stream's recording could not be written.
        self.on_failure = on_failure
        self._clock = clock
        self._failing: dict[tuple[uuid.UUID, str], _Failing] = {}
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="recording")

    def close(self) -> None:
        self._executor.shutdown(wait=True)

    def path(self, name: str) -> Path:
        return self.root / name

    def _retry_at(self, key: tuple[uuid.UUID, str]) -> float | None:
        """When a failing stream's recording may be tried again (None: it is not failing)."""
        failing = self._failing.get(key)
        return None if failing is None else failing.retry_at

    def _may_write(self, key: tuple[uuid.UUID, str]) -> bool:
        failing = self._failing.get(key)
        return failing is None or self._clock() >= failing.retry_at

    def _written(self, key: tuple[uuid.UUID, str]) -> None:
        self._failing.pop(key, None)

    def _failed(self, key: tuple[uuid.UUID, str], error: OSError) -> None:
        previous = self._failing.get(key)
        wait_s = RETRY_AFTER_S if previous is None else min(previous.wait_s * 2, MAX_RETRY_AFTER_S)
        self._failing[key] = _Failing(self._clock() + wait_s, wait_s)
        log.error("recording of stream %s of %s could not be written (%s); its audio stays in "
                  "the log and is written once storage works (next try in %.0fs)",
                  key[1][:8], key[0], error, wait_s)
        if previous is None and self.on_failure is not None:  # told once per outage
            try:
                self.on_failure(key[0], key[1], error)
            except Exception:
                log.exception("reporting a recording failure failed")

    async def write_pieces(self, pieces: Sequence[tuple[Path, int, bytes]]) -> None:
        """Write each (file, offset, bytes) durably, all at once; an OSError is raised."""
        await self._in_threads(pieces)

    async def _write_all(self, writes: Sequence[_Write]) -> dict[tuple[uuid.UUID, str], OSError]:
        results = await self._in_threads(
            [(w.path, w.offset, b"".join(p[1] for p in w.pieces)) for w in writes],
            return_exceptions=True,
        )
        failures: dict[tuple[uuid.UUID, str], OSError] = {}
        for write, result in zip(writes, results):
            if isinstance(result, OSError):
                failures[write.key] = result
            elif isinstance(result, BaseException):
                raise result
        return failures

    async def _in_threads(self, pieces: Sequence[tuple[Path, int, bytes]], *,
                          return_exceptions: bool = False) -> list[Any]:
        # The writes and fdatasyncs run in a few threads at once: the filesystem joins
        # concurrent syncs into fewer journal commits, and a few hand-offs to the pool cost
        # the event loop far less than one per stream (a round holds a chunk of every live
        # interview).
        groups = [list(range(first, len(pieces), WRITE_THREADS))
                  for first in range(min(WRITE_THREADS, len(pieces)))]
        loop = asyncio.get_running_loop()
        outcomes = await asyncio.gather(*(
            loop.run_in_executor(self._executor, self._write_group,
                                 [pieces[i] for i in group])
            for group in groups
        ))
        results: list[Any] = [None] * len(pieces)
        for group, outcome in zip(groups, outcomes):
            for i, result in zip(group, outcome):
                results[i] = result
        if not return_exceptions:
            for result in results:
                if isinstance(result, BaseException):
                    raise result
        return results

    @classmethod
    def _write_group(cls, pieces: Sequence[tuple[Path, int, bytes]]) -> list[Exception | None]:
        """Write each piece in turn; one that fails does not stop the others."""
        results: list[Exception | None] = []
        for path, offset, data in pieces:
            try:
                cls._write_at(path, offset, data)
                results.append(None)
            except Exception as error:
                results.append(error)
        return results

    @staticmethod
    def _write_at(path: Path, offset: int, data: bytes) -> None:
        # The folder is made only when missing (a stream's first write): every system call
        # in this thread takes the interpreter lock back from the event loop once more.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o640)
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o640)
        try:
            view = memoryview(data)
            while view:
                # A short write (the disk filling up) is no error yet: the next one says why.
                written = os.pwrite(fd, view, offset)
                view, offset = view[written:], offset + written
            os.fdatasync(fd)
        finally:
            os.close(fd)


@dataclass(frozen=True)
class _Write:
    key: tuple[uuid.UUID, str]
    recording_id: uuid.UUID
    path: Path
    offset: int
    # (chunk number, data, event seq, ts) in chunk order.
    pieces: list[tuple[int, bytes, int, int]]


# (chunk number, data, event seq, ts)
Piece = tuple[int, bytes, int, int]
Key = tuple[uuid.UUID, str]
# Chunks read from the log in one go, per stream that catches up: a long way behind
# is caught up over several batches.
LOG_CHUNKS = 256


class RecordingWriter:
    """Appends committed audio to the recordings' files, one task on a connection of its
    own, batching whatever accumulated while it was busy.

    Per stream, with the stream locked against other processes' writers, it compares the
    file (its indexed chunks) with ``next_chunk``: what is missing is taken from memory when
    the chunks handed over start where the file ends, else from the log. Each stream's bytes
    are written and fdatasynced in a thread of their own, then indexed in one statement.
    Memory is only a shortcut: past ``max_pending_bytes`` the chunks are dropped and read
    from the log later, so a slow disk cannot hold the process's memory."""

    def __init__(self, engine: AsyncEngine, store: RecordingStore, *,
                 max_pending_bytes: int = 64 * 1024 * 1024, interval_s: float = 1.0) -> None:
        self.store = store
        # Rounds start at most this often: a stream's chunks of the last second go in one
        # write and one sync (a browser sends 4 a second), where a round per commit would
        # cost a thread hand-off and a sync per chunk. The log holds them meanwhile.
        self._interval_s = interval_s
        self._stop_requested = asyncio.Event()
        self._connection = HeldConnection(engine, "recording writer")
        self._max_pending_bytes = max_pending_bytes
        # Per stream, the committed chunks to append in order; None: read them from the log.
        self._pending: dict[Key, list[Piece] | None] = {}
        self._pending_bytes = 0
        # Streams whose write failed, to catch up from the log once their retry is due.
        self._retries: dict[Key, float] = {}
        self._catch_up = True
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self.batches = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="recording-writer")

    def submit(self, appended: Iterable[tuple[Chunk, StoredEvent]]) -> None:
        """Hand over committed audio chunks, in commit order."""
        for chunk, event in appended:
            key = (chunk.interview_id, chunk.stream)
            pieces = self._pending.get(key, [])
            if pieces is not None:
                if self._pending_bytes + len(chunk.data) > self._max_pending_bytes:
                    self._forget_pieces()
                    pieces = None
                else:
                    pieces.append((chunk.chunk, chunk.data, event.seq, event.ts))
                    self._pending_bytes += len(chunk.data)
            self._pending[key] = pieces
        self._wake.set()

    def _forget_pieces(self) -> None:
        log.warning("recordings are behind by %d bytes: they catch up from the log",
                    self._pending_bytes)
        self._pending = dict.fromkeys(self._pending)
        self._pending_bytes = 0

    async def stop(self, timeout_s: float | None = None) -> None:
        """Write what is handed over, then stop; after ``timeout_s`` what is left is written
        from the log at the next start."""
        task, self._task = self._task, None
        if task is not None:
            self._stopping = True
            self._stop_requested.set()
            self._wake.set()
            try:
                await asyncio.wait_for(asyncio.shield(task), timeout_s)
            except asyncio.TimeoutError:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                log.warning("stopping with %d recordings behind their logs: they catch up "
                            "at the next start", len(self._pending))
        await self._connection.release()

    async def _run(self) -> None:
        delay = FIRST_RETRY_DELAY_S
        while True:
            try:
                if self._catch_up:
                    await self._find_lagging()
                    self._catch_up = False
                self._due_retries()
                if not self._pending:
                    if self._stopping:
                        return
                    self._wake.clear()
                    await self._sleep()
                    continue
                round_started = time.monotonic()
                work, self._pending, self._pending_bytes = self._pending, {}, 0
                try:
                    await self._write(work)
                except Exception as error:
                    if is_connection_error(error) or is_transient(error):
                        self._put_back(work)
                    raise
                self.batches += 1
                delay = FIRST_RETRY_DELAY_S
                await self._pace(round_started)
            except Exception as error:
                if is_connection_error(error):
                    await self._connection.drop()
                    # Meanwhile others may have logged audio that no process has written.
                    self._catch_up = True
                if is_connection_error(error) or is_transient(error):
                    log.warning("recordings not written (%s: %s); retrying in %.2fs",
                                type(error).__name__, error, delay)
                else:
                    # Not the database being away: the batch is dropped rather than tried
                    # again and again; the log keeps its audio and the next start writes it.
                    log.exception("writing recordings failed")
                    self._catch_up = False
                delay = await back_off(delay)

    async def _pace(self, round_started: float) -> None:
        remaining = round_started + self._interval_s - time.monotonic()
        if remaining > 0 and not self._stopping:
            try:
                await asyncio.wait_for(self._stop_requested.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    async def _sleep(self) -> None:
        timeout = None
        if self._retries:
            timeout = max(0.0, min(self._retries.values()) - self.store._clock())
        try:
            await asyncio.wait_for(self._wake.wait(), timeout)
        except asyncio.TimeoutError:
            pass

    def _due_retries(self) -> None:
        now = self.store._clock()
        for key, at in list(self._retries.items()):
            if at <= now:
                del self._retries[key]
                self._from_log(key)

    def _from_log(self, key: Key) -> None:
        self._drop_pieces(key)
        self._pending[key] = None

    def _drop_pieces(self, key: Key) -> None:
        pieces = self._pending.pop(key, None)
        if pieces:
            self._pending_bytes -= sum(len(p[1]) for p in pieces)

    def _put_back(self, work: dict[Key, list[Piece] | None]) -> None:
        """Return an unwritten batch ahead of what was handed over meanwhile."""
        newer, self._pending = self._pending, {}
        self._pending_bytes = 0
        for key in work.keys() | newer.keys():
            earlier, later = work.get(key, []), newer.get(key, [])
            if earlier is None or later is None:
                self._pending[key] = None
            else:
                self._pending[key] = earlier + later
                self._pending_bytes += sum(len(p[1]) for p in earlier + later)
        if self._pending_bytes > self._max_pending_bytes:
            self._forget_pieces()

    async def _find_lagging(self) -> None:
        """Every recording whose file is behind its stream (a stop before it was written)."""
        pg = await self._connection.get()
        rows = await pg.fetch(
            "SELECT r.interview_id, r.stream FROM recordings r WHERE r.next_chunk >"
            " coalesce((SELECT max(c.chunk) + 1 FROM recording_chunks c"
            " WHERE c.recording_id = r.id), 0)"
        )
        for row in rows:
            key = (row["interview_id"], row["stream"])
            if key not in self._pending:
                self._pending[key] = None
        if rows:
            log.info("%d recordings are behind their logs: catching up", len(rows))

    async def _write(self, work: dict[Key, list[Piece] | None]) -> None:
        pg = await self._connection.get()
        keys = sorted(work)
        async with pg.transaction():
            # Other processes' writers take the same locks; deleting the interview waits
            # for the rows' key-share locks, so no file is written after its folder went.
            await pg.execute(_LOCK_STREAMS, [k[0] for k in keys], [k[1] for k in keys])
            rows = {(row["interview_id"], row["stream"]): row
                    for row in await pg.fetch(_STREAMS, [k[0] for k in keys], [k[1] for k in keys])}
            writes: list[_Write] = []
            for key in keys:
                row = rows.get(key)
                if row is None or row["file_chunks"] >= row["next_chunk"]:
                    continue  # deleted meanwhile, or written already
                if not self.store._may_write(key):
                    self._retry_later(key)
                    continue
                start, end = row["file_chunks"], row["next_chunk"]
                pieces = work[key]
                if pieces is not None:
                    pieces = [p for p in pieces if p[0] >= start]
                    if not pieces:
                        continue  # another writer wrote them
                    run = _contiguous(pieces)
                    if len(run) < len(pieces):
                        # Chunks past a gap (another process logged the ones between):
                        # they come from the log next round.
                        self._pending.setdefault(key, None)
                    pieces = run if run[0][0] == start else None
                caught_up = True
                if pieces is None:
                    logged = await _logged_chunks(pg, key, row["file_seq"])
                    pieces = [p for p in logged if start <= p[0] < end]
                    caught_up = len(logged) < LOG_CHUNKS
                    if not pieces or pieces[0][0] != start:
                        log.error("the log of stream %s of %s misses audio chunk %d: its "
                                  "recording stays at %d chunks", key[1][:8], key[0], start, start)
                        continue
                    pieces = _contiguous(pieces)
                if not caught_up:
                    self._pending.setdefault(key, None)
                writes.append(_Write(key, row["id"], self.store.path(row["file_name"]),
                                     row["size_bytes"], pieces))
            failures = await self.store._write_all(writes)
            chunk_rows: list[tuple[Any, ...]] = []
            sizes: list[tuple[uuid.UUID, int]] = []
            for write in writes:
                error = failures.get(write.key)
                if error is not None:
                    # The file keeps its committed size; the log keeps the audio.
                    self.store._failed(write.key, error)
                    self._retry_later(write.key)
                    continue
                self.store._written(write.key)
                offset = write.offset
                for number, data, seq, ts in write.pieces:
                    chunk_rows.append((write.recording_id, number, offset, len(data), seq, ts))
                    offset += len(data)
                sizes.append((write.recording_id, offset))
            if sizes:
                await pg.execute(
                    _INDEX,
                    *([row[i] for row in chunk_rows] for i in range(6)),
                    [s[0] for s in sizes], [s[1] for s in sizes],
                )

    def _retry_later(self, key: Key) -> None:
        at = self.store._retry_at(key)
        if at is not None:
            self._retries[key] = at
        self._drop_pieces(key)


# A stream's lock: in one order for every writer (each key's hash, sorted), taken before
# anything is read, so what is read next is what the previous holder committed.
_LOCK_STREAMS = (
    "SELECT pg_advisory_xact_lock(1919247971, h) FROM (SELECT DISTINCT"
    " hashtext(k.interview_id::text || '/' || k.stream) AS h"
    " FROM unnest($1::uuid[], $2::text[]) AS k(interview_id, stream) ORDER BY h) AS locks"
)

_STREAMS = (
    "SELECT r.id, r.interview_id, r.stream, r.file_name, r.size_bytes, r.next_chunk,"
    " coalesce(last.chunk + 1, 0) AS file_chunks, coalesce(last.event_seq, 0) AS file_seq"
    " FROM recordings r JOIN unnest($1::uuid[], $2::text[]) AS k(interview_id, stream)"
    " ON r.interview_id = k.interview_id AND r.stream = k.stream"
    " LEFT JOIN LATERAL (SELECT c.chunk, c.event_seq FROM recording_chunks c"
    " WHERE c.recording_id = r.id ORDER BY c.chunk DESC LIMIT 1) last ON true"
    " ORDER BY r.interview_id, r.stream FOR KEY SHARE OF r"
)

# The rows are locked in (interview, stream) order, the event writer's, so the two
# cannot deadlock.
_INDEX = (
    "WITH indexed AS (INSERT INTO recording_chunks (recording_id, chunk, byte_offset,"
    " byte_length, event_seq, ts) SELECT * FROM unnest($1::uuid[], $2::int[], $3::bigint[],"
    " $4::int[], $5::bigint[], $6::bigint[])),"
    " locked AS (SELECT id FROM recordings WHERE id = ANY($7::uuid[])"
    " ORDER BY interview_id, stream FOR NO KEY UPDATE)"
    " UPDATE recordings SET size_bytes = v.size FROM unnest($7::uuid[], $8::bigint[]) AS v(id, size)"
    " WHERE recordings.id = v.id AND v.id IN (SELECT id FROM locked)"
)


def _contiguous(pieces: list[Piece]) -> list[Piece]:
    """The run of chunks from the first one on without a gap."""
    for i in range(1, len(pieces)):
        if pieces[i][0] != pieces[i - 1][0] + 1:
            return pieces[:i]
    return pieces


async def _logged_chunks(pg: asyncpg.Connection, key: Key, after_seq: int) -> list[Piece]:
    """The stream's audio chunks logged after event ``after_seq`` (the last one in the file),
    at most ``LOG_CHUNKS`` of them."""
    rows = await pg.fetch(
        "SELECT seq, ts, payload FROM events WHERE interview_id = $1 AND stream = $2"
        " AND kind = 'audio' AND seq > $3 ORDER BY seq LIMIT $4",
        key[0], key[1], after_seq, LOG_CHUNKS,
    )
    pieces = []
    for row in rows:
        d = unpack(row["payload"])
        pieces.append((int(d["chunk"]), bytes(d["data"]), row["seq"], row["ts"]))
    return pieces
