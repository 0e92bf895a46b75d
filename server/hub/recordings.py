"""Audio recordings: each candidate stream's chunks appended, in order, to one file.

File names are made here (interview id and a hash of the stream id), never taken
from user input. A chunk is written at the recording's committed size before
the transaction that indexes it commits, so a crash between the two leaves only
bytes past the committed size, which the next chunk overwrites and readers never
see: ``recordings.size_bytes`` is the truth.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import asyncpg

from server.hub.events import StoredEvent

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


class RecordingStore:
    def __init__(self, root: Path, *, threads: int = 32) -> None:
        self.root = root
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
                "SELECT r.id, r.interview_id, r.stream, r.file_name, r.size_bytes, r.next_chunk"
                " FROM recordings r JOIN unnest($1::uuid[], $2::text[]) AS k(interview_id, stream)"
                " ON r.interview_id = k.interview_id AND r.stream = k.stream"
                " ORDER BY r.id FOR UPDATE OF r",
                [k[0] for k in keys], [k[1] for k in keys],
            )
        }
        writes: list[tuple[Path, int, bytes]] = []
        chunk_rows: list[tuple[Any, ...]] = []
        moved: list[tuple[uuid.UUID, int, int]] = []
        for key, items in streams.items():
            row = rows.get(key)
            if row is None:
                first_chunk, first_event = items[0]
                row = await pg.fetchrow(
                    "INSERT INTO recordings (id, interview_id, stream, mime, file_name, size_bytes,"
                    " next_chunk, started_ts) VALUES ($1, $2, $3, $4, $5, 0, 0, $6)"
                    " RETURNING id, file_name, size_bytes, next_chunk",
                    uuid.uuid4(), key[0], key[1], first_chunk.mime[:100],
                    file_name(key[0], key[1], first_chunk.mime), first_event.ts,
                )
                assert row is not None
            offset, expected = row["size_bytes"], row["next_chunk"]
            data = bytearray()
            for chunk, event in items:
                if chunk.chunk != expected:
                    raise ValueError(f"audio chunk {chunk.chunk} out of order (next is {expected})")
                chunk_rows.append(
                    (row["id"], chunk.chunk, offset + len(data), len(chunk.data), event.seq, event.ts)
                )
                data += chunk.data
                expected += 1
            writes.append((self.path(row["file_name"]), offset, bytes(data)))
            moved.append((row["id"], offset + len(data), expected))
        # Each stream's write and fdatasync in a thread of its own, all at once: the
        # filesystem joins concurrent syncs into few journal commits, where one after
        # another costs a disk flush each (a batch holds a chunk of every live interview).
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(
            loop.run_in_executor(self._executor, self._write_at, path, offset, data)
            for path, offset, data in writes
        ))
        await pg.executemany(
            "INSERT INTO recording_chunks (recording_id, chunk, byte_offset, byte_length,"
            " event_seq, ts) VALUES ($1, $2, $3, $4, $5, $6)",
            chunk_rows,
        )
        await pg.execute(
            "UPDATE recordings SET size_bytes = v.size, next_chunk = v.next"
            " FROM unnest($1::uuid[], $2::bigint[], $3::int[]) AS v(id, size, next)"
            " WHERE recordings.id = v.id",
            [m[0] for m in moved], [m[1] for m in moved], [m[2] for m in moved],
        )

    @staticmethod
    def _write_at(path: Path, offset: int, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o640)
        try:
            os.pwrite(fd, data, offset)
            os.fdatasync(fd)
        finally:
            os.close(fd)
