"""Audio recordings: each candidate stream's chunks appended, in order, to one file.

File names are made here (interview id and a hash of the stream id), never taken
from user input. A chunk is written at the recording's committed size before
the transaction that indexes it commits, so a crash between the two leaves only
bytes past the committed size, which the next chunk overwrites and readers never
see: ``recordings.size_bytes`` is the truth.

Audio chunks are in the event log as well. When a recording cannot be written (disk
full, folder unwritable) only ``next_chunk`` moves on; the file lags behind and
catches up from the log at the next write that works.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import asyncpg

from server.hub.events import StoredEvent, unpack

log = logging.getLogger(__name__)

_EXTENSIONS = {"audio/webm": "webm", "audio/ogg": "ogg", "audio/mp4": "m4a", "audio/mpeg": "mp3",
               "audio/wav": "wav", "audio/aac": "aac"}


def extension(mime: str) -> str:
    return _EXTENSIONS.get(mime.split(";", 1)[0].strip().lower(), "bin")


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


@dataclass
class _Failing:
    retry_at: float
    wait_s: float


class RecordingStore:
    """Writes the recordings. The event log holds every audio chunk too, so a recording that
    could not be written (disk full, folder unwritable) falls behind and catches up from the
    log once writing works again; the stream's audio is never refused for it."""

    def __init__(self, root: Path, on_failure: Failed | None = None,
                 clock: Callable[[], float] = time.monotonic, *, threads: int = 32) -> None:
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

    async def write_batch(
        self, pg: asyncpg.Connection, appended: Sequence[tuple[Chunk, StoredEvent]]
    ) -> None:
        """Append a batch's chunks inside its transaction: one file write and one
        fdatasync per stream, whatever the number of chunks."""
        streams: dict[tuple[uuid.UUID, str], list[tuple[Chunk, StoredEvent]]] = {}
        for chunk, event in appended:
            streams.setdefault((chunk.interview_id, chunk.stream), []).append((chunk, event))
        keys = list(streams)
        rows = {
            (row["interview_id"], row["stream"]): row
            for row in await pg.fetch(
                "SELECT r.id, r.interview_id, r.stream, r.file_name, r.size_bytes, r.next_chunk,"
                " coalesce(last.chunk + 1, 0) AS file_chunks, coalesce(last.event_seq, 0) AS file_seq"
                " FROM recordings r JOIN unnest($1::uuid[], $2::text[]) AS k(interview_id, stream)"
                " ON r.interview_id = k.interview_id AND r.stream = k.stream"
                " LEFT JOIN LATERAL (SELECT c.chunk, c.event_seq FROM recording_chunks c"
                " WHERE c.recording_id = r.id ORDER BY c.chunk DESC LIMIT 1) last ON true"
                " ORDER BY r.id FOR UPDATE OF r",
                [k[0] for k in keys], [k[1] for k in keys],
            )
        }
        writes: list[_Write] = []
        for key, items in streams.items():
            row = rows.get(key)
            if row is None:
                first_chunk, first_event = items[0]
                row = await pg.fetchrow(
                    "INSERT INTO recordings (id, interview_id, stream, mime, file_name, size_bytes,"
                    " next_chunk, started_ts) VALUES ($1, $2, $3, $4, $5, 0, 0, $6)"
                    " RETURNING id, file_name, size_bytes, next_chunk, 0 AS file_chunks,"
                    " 0 AS file_seq",
                    uuid.uuid4(), key[0], key[1], first_chunk.mime[:100],
                    file_name(key[0], key[1], first_chunk.mime), first_event.ts,
                )
                assert row is not None
            expected = row["next_chunk"]
            for chunk, _ in items:
                if chunk.chunk != expected:
                    raise ValueError(f"audio chunk {chunk.chunk} out of order (next is {expected})")
                expected += 1
            pieces = [(c.chunk, c.data, e.seq, e.ts) for c, e in items]
            if self._may_write(key):
                if row["file_chunks"] < row["next_chunk"]:
                    # Earlier chunks never reached the file: take them from the log first.
                    logged = await _logged_chunks(pg, key, row["file_seq"])
                    pieces = [p for p in logged
                              if row["file_chunks"] <= p[0] < row["next_chunk"]] + pieces
                writes.append(_Write(key, row["id"], self.path(row["file_name"]),
                                     row["size_bytes"], pieces))
            else:
                await _advance(pg, [(row["id"], row["size_bytes"], expected)])
        failures = await self._write_all(writes)
        chunk_rows: list[tuple[Any, ...]] = []
        moved: list[tuple[uuid.UUID, int, int]] = []
        for write in writes:
            error = failures.get(write.key)
            if error is not None:
                # Only the stream's position moves on: the file keeps its committed size.
                moved.append((write.recording_id, write.offset, write.pieces[-1][0] + 1))
                self._failed(write.key, error)
                continue
            self._failing.pop(write.key, None)
            offset = write.offset
            for number, data, seq, ts in write.pieces:
                chunk_rows.append((write.recording_id, number, offset, len(data), seq, ts))
                offset += len(data)
            moved.append((write.recording_id, offset, write.pieces[-1][0] + 1))
        if chunk_rows:
            await pg.executemany(
                "INSERT INTO recording_chunks (recording_id, chunk, byte_offset, byte_length,"
                " event_seq, ts) VALUES ($1, $2, $3, $4, $5, $6)",
                chunk_rows,
            )
        await _advance(pg, moved)

    def _may_write(self, key: tuple[uuid.UUID, str]) -> bool:
        failing = self._failing.get(key)
        return failing is None or self._clock() >= failing.retry_at

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
        # Each stream's write and fdatasync in a thread of its own, all at once: the
        # filesystem joins concurrent syncs into few journal commits, where one after
        # another costs a disk flush each (a batch holds a chunk of every live interview).
        loop = asyncio.get_running_loop()
        return await asyncio.gather(*(
            loop.run_in_executor(self._executor, self._write_at, path, offset, data)
            for path, offset, data in pieces
        ), return_exceptions=return_exceptions)

    @staticmethod
    def _write_at(path: Path, offset: int, data: bytes) -> None:
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


async def _logged_chunks(
    pg: asyncpg.Connection, key: tuple[uuid.UUID, str], after_seq: int
) -> list[tuple[int, bytes, int, int]]:
    """The stream's audio chunks logged after event ``after_seq`` (the last one in the file)."""
    rows = await pg.fetch(
        "SELECT seq, ts, payload FROM events WHERE interview_id = $1 AND stream = $2"
        " AND kind = 'audio' AND seq > $3 ORDER BY seq",
        key[0], key[1], after_seq,
    )
    pieces = []
    for row in rows:
        d = unpack(row["payload"])
        pieces.append((int(d["chunk"]), bytes(d["data"]), row["seq"], row["ts"]))
    return pieces


async def _advance(pg: asyncpg.Connection, moved: Sequence[tuple[uuid.UUID, int, int]]) -> None:
    if not moved:
        return
    await pg.execute(
        "UPDATE recordings SET size_bytes = v.size, next_chunk = v.next"
        " FROM unnest($1::uuid[], $2::bigint[], $3::int[]) AS v(id, size, next)"
        " WHERE recordings.id = v.id",
        [m[0] for m in moved], [m[1] for m in moved], [m[2] for m in moved],
    )
