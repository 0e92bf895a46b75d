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
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from server.hub.event_writer import DerivedWrite
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
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, name: str) -> Path:
        return self.root / name

    def write_in(self, chunk: Chunk) -> DerivedWrite:
        """The derived write that appends ``chunk`` inside the event's transaction."""

        async def write(pg: asyncpg.Connection, event: StoredEvent) -> None:
            await self._append(pg, chunk, event)

        return write

    async def _append(self, pg: asyncpg.Connection, chunk: Chunk, event: StoredEvent) -> None:
        row = await pg.fetchrow(
            "SELECT id, file_name, size_bytes, next_chunk FROM recordings"
            " WHERE interview_id = $1 AND stream = $2 FOR UPDATE",
            chunk.interview_id, chunk.stream,
        )
        if row is None:
            row = await pg.fetchrow(
                "INSERT INTO recordings (id, interview_id, stream, mime, file_name, size_bytes,"
                " next_chunk, started_ts) VALUES ($1, $2, $3, $4, $5, 0, 0, $6)"
                " RETURNING id, file_name, size_bytes, next_chunk",
                uuid.uuid4(), chunk.interview_id, chunk.stream, chunk.mime[:100],
                file_name(chunk.interview_id, chunk.stream, chunk.mime), event.ts,
            )
        assert row is not None
        if chunk.chunk != row["next_chunk"]:
            raise ValueError(f"audio chunk {chunk.chunk} out of order (next is {row['next_chunk']})")
        offset = row["size_bytes"]
        await asyncio.to_thread(self._write_at, self.path(row["file_name"]), offset, chunk.data)
        await pg.execute(
            "INSERT INTO recording_chunks (recording_id, chunk, byte_offset, byte_length,"
            " event_seq, ts) VALUES ($1, $2, $3, $4, $5, $6)",
            row["id"], chunk.chunk, offset, len(chunk.data), event.seq, event.ts,
        )
        await pg.execute(
            "UPDATE recordings SET size_bytes = $2, next_chunk = $3 WHERE id = $1",
            row["id"], offset + len(chunk.data), chunk.chunk + 1,
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
