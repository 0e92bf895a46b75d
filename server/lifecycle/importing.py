"""Reading an export file into this server: a new interview owned by the importer.

Ids are kept (interview, questions, answers), so the imported interview's event log is
the exported one, record for record; importing an interview this server already holds is
refused. Everything is checked while it streams in and written in one transaction; the
recordings are rebuilt from the ``audio`` events and checked against the header. Files
written before a failure (or a crash) are removed, through a pending-removal marker.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any, AsyncIterator

import asyncpg
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from db.models import Analysis, Answer, Interview, PendingFileRemoval, Question, User
from server.database import Database
from server.hub.events import pack as pack_payload
from server.hub.recordings import RecordingStore, file_name
from server.lifecycle.export_format import (
    BadExport,
    Header,
    ImportedEvent,
    read_end,
    read_event,
    read_header,
    unpacker,
)
from server.lifecycle.files import finish_removal

PAGE = 1000
_COLUMNS = ("interview_id", "seq", "kind", "stream", "client_seq", "ts", "payload")


class ImportConflict(Exception):
    """This server already holds the interview in the file."""


class TooLarge(BadExport):
    """The file is larger than the import limit."""


@dataclass
class _Stream:
    """One recording being rebuilt from its audio events."""

    id: uuid.UUID
    mime: str
    file_name: str
    started_ts: int
    size: int = 0
    next_chunk: int = 0
    digest: Any = field(default_factory=hashlib.sha256)
    chunk_rows: list[tuple[Any, ...]] = field(default_factory=list)
    pending: bytearray = field(default_factory=bytearray)
    pending_offset: int = 0


class _Records:
    """Records out of a byte stream, counting bytes against the limit."""

    def __init__(self, chunks: AsyncIterator[bytes], max_bytes: int) -> None:
        self._chunks = chunks
        self._max_bytes = max_bytes
        self._read = 0
        self._unpacker = unpacker()

    async def _feed(self) -> bool:
        """Feed the next piece of the stream; False at its end."""
        try:
            chunk = await self._chunks.__anext__()
        except StopAsyncIteration:
            return False
        self._read += len(chunk)
        if self._read > self._max_bytes:
            raise TooLarge(f"the file is larger than {self._max_bytes} bytes")
        try:
            self._unpacker.feed(chunk)
        except Exception as error:  # msgpack's BufferFull: one record past the limit
            raise BadExport(f"a record is too large ({error})") from None
        return True

    async def _next_or_none(self) -> tuple[bool, Any]:
        while True:
            try:
                return True, next(self._unpacker)
            except StopIteration:
                pass
            except Exception as error:  # msgpack's errors share no useful base class
                raise BadExport(f"the file is not valid MessagePack ({error})") from None
            if not await self._feed():
                return False, None

    async def next(self) -> Any:
        found, record = await self._next_or_none()
        if not found:
            raise BadExport("the file ends early (no end record)")
        return record

    async def expect_nothing_more(self) -> None:
        found, extra = await self._next_or_none()
        if found:
            raise BadExport(f"unexpected data after the end record ({type(extra).__name__})")
        if self._unpacker.tell() != self._read:
            raise BadExport("the file ends in the middle of a record")


def _given(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields without an unknown creation time (the database then stamps it)."""
    return {k: v for k, v in fields.items() if not (k == "created_at" and v is None)}


def _parents_first(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    placed: set[Any] = set()
    ordered: list[dict[str, Any]] = []
    remaining = list(questions)
    while remaining:
        ready = [q for q in remaining if q["parent_id"] is None or q["parent_id"] in placed]
        if not ready:
            raise BadExport("questions: the follow-ups form a cycle")
        ordered.extend(ready)
        placed.update(q["id"] for q in ready)
        remaining = [q for q in remaining if q["id"] not in placed]
    return ordered


async def import_interview(
    db: Database, store: RecordingStore, owner: User, chunks: AsyncIterator[bytes],
    *, max_bytes: int,
) -> uuid.UUID:
    """Import the export file read from ``chunks``; the new interview's id (the file's)."""
    if owner.role != "candidate":
        raise BadExport("only candidates own interviews: import as a candidate account")
    records = _Records(chunks, max_bytes)
    header = read_header(await records.next())
    interview_id: uuid.UUID = header.interview["id"]
    try:
        async with db.transaction() as session:
            # The marker first: a concurrent import of the same file waits here for the
            # other to finish, and then sees its interview below.
            session.add(PendingFileRemoval(interview_id=interview_id, reason="import"))
            await session.flush()
            if await session.scalar(select(Interview.id).where(Interview.id == interview_id)):
                raise ImportConflict(f"interview {interview_id} is already on this server")
    except IntegrityError:
        raise ImportConflict(f"interview {interview_id} is being imported already") from None
    try:
        await _write(db, store, owner, header, records)
    except BaseException:
        await asyncio.shield(finish_removal(db, store.root, [interview_id]))
        raise
    return interview_id


async def _write(
    db: Database, store: RecordingStore, owner: User, header: Header, records: _Records
) -> None:
    interview_id: uuid.UUID = header.interview["id"]
    try:
        async with db.transaction() as session:
            claimed = await session.scalar(
                delete(PendingFileRemoval).where(PendingFileRemoval.interview_id == interview_id)
                .returning(PendingFileRemoval.interview_id)
            )
            if claimed is None:
                raise ImportConflict("the import was interrupted; try again")
            session.add(Interview(owner_id=owner.id, **_given(header.interview)))
            await session.flush()
            for question in _parents_first(header.questions):
                session.add(Question(interview_id=interview_id, **_given(question)))
                await session.flush()
            session.add_all(Answer(interview_id=interview_id, **a) for a in header.answers)
            await session.flush()
            session.add_all(Analysis(interview_id=interview_id, **a) for a in header.analyses)
            await session.flush()
            connection = await session.connection()
            raw = await connection.get_raw_connection()
            pg: asyncpg.Connection = raw.driver_connection  # type: ignore[assignment]
            streams = await _events(pg, store, interview_id, header, records)
            _check_recordings(header, streams)
            await _index_recordings(pg, interview_id, streams)
    except IntegrityError as error:
        raise ImportConflict(f"the file's ids clash with this server's data ({error.orig})") from None


async def _events(
    pg: asyncpg.Connection, store: RecordingStore, interview_id: uuid.UUID, header: Header,
    records: _Records,
) -> dict[str, _Stream]:
    head: int = header.interview["head_seq"]
    streams: dict[str, _Stream] = {}
    seen_frames: set[tuple[str, int]] = set()
    page: list[tuple[Any, ...]] = []
    after, count = 0, 0
    while True:
        record = await records.next()
        if isinstance(record, dict) and record.get("record") == "end":
            read_end(record, count)
            break
        event = read_event(record, after, head)
        after, count = event.seq, count + 1
        if event.stream is not None:
            key = (event.stream, event.client_seq or 0)
            if key in seen_frames:
                raise BadExport(f"event #{event.seq}: a second event for client seq {key[1]}")
            seen_frames.add(key)
        if event.kind == "audio":
            _take_audio(streams, interview_id, event)
        page.append((interview_id, event.seq, event.kind, event.stream, event.client_seq,
                     event.ts, pack_payload(event.d)))
        if len(page) >= PAGE:
            await _flush(pg, store, streams, page)
    await _flush(pg, store, streams, page)
    await records.expect_nothing_more()
    return streams


def _take_audio(streams: dict[str, _Stream], interview_id: uuid.UUID, event: ImportedEvent) -> None:
    if event.stream is None:
        raise BadExport(f"event #{event.seq}: audio without a stream")
    stream = streams.get(event.stream)
    if stream is None:
        mime = str(event.d["mime"])
        stream = streams[event.stream] = _Stream(
            uuid.uuid4(), mime[:100], file_name(interview_id, event.stream, mime), event.ts
        )
    if event.d["chunk"] != stream.next_chunk:
        raise BadExport(f"event #{event.seq}: audio chunk {event.d['chunk']} out of order "
                        f"(expected {stream.next_chunk})")
    data: bytes = event.d["data"]
    stream.chunk_rows.append((stream.id, stream.next_chunk, stream.size, len(data), event.seq,
                              event.ts))
    if not stream.pending:
        stream.pending_offset = stream.size
    stream.pending += data
    stream.digest.update(data)
    stream.size += len(data)
    stream.next_chunk += 1


async def _flush(pg: asyncpg.Connection, store: RecordingStore, streams: dict[str, _Stream],
                 page: list[tuple[Any, ...]]) -> None:
    if page:
        await pg.copy_records_to_table("events", records=page, columns=_COLUMNS)
        page.clear()
    writes = [(store.path(s.file_name), s.pending_offset, bytes(s.pending))
              for s in streams.values() if s.pending]
    for stream in streams.values():
        stream.pending.clear()
    if writes:
        await store.write_pieces(writes)


def _check_recordings(header: Header, streams: dict[str, _Stream]) -> None:
    expected = {r["stream"]: r for r in header.recordings}
    if set(expected) != set(streams):
        raise BadExport("the header's recordings do not match the audio events")
    for name, stream in streams.items():
        want = expected[name]
        if (want["size_bytes"], want["chunks"], want["sha256"]) != (
            stream.size, stream.next_chunk, stream.digest.hexdigest()
        ):
            raise BadExport(f"the recording of stream {name!r} does not match its audio events")


async def _index_recordings(
    pg: asyncpg.Connection, interview_id: uuid.UUID, streams: dict[str, _Stream]
) -> None:
    for name, stream in streams.items():
        await pg.execute(
            "INSERT INTO recordings (id, interview_id, stream, mime, file_name, size_bytes,"
            " next_chunk, started_ts) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            stream.id, interview_id, name, stream.mime, stream.file_name, stream.size,
            stream.next_chunk, stream.started_ts,
        )
        await pg.copy_records_to_table(
            "recording_chunks", records=stream.chunk_rows,
            columns=("recording_id", "chunk", "byte_offset", "byte_length", "event_seq", "ts"),
        )

