"""The recording writer: committed audio reaches the files after the acknowledgement, from
memory or from the log, once per chunk, whatever stopped or failed on the way."""

from __future__ import annotations

import asyncio
import random
import uuid
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Iterator

import pytest

from server.database import Database
from server.hub import recordings as recordings_module
from server.hub.event_writer import Append, EventWriter, now_ms
from server.hub.recordings import Chunk, RecordingStore, RecordingWriter
from server.lifecycle.deletion import delete_interview
from tests.hub.conftest import new_interview

MIME = "audio/webm;codecs=opus"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RecordingStore]:
    recordings = RecordingStore(tmp_path)
    yield recordings
    recordings.close()


@asynccontextmanager
async def writing(database: Database, store: RecordingStore, origin: str,
                  **options: Any) -> AsyncIterator[tuple[EventWriter, RecordingWriter]]:
    """A process's event writer whose committed audio goes to its recording writer, both
    running until the block ends, then stopped (the recording writer writing what it was
    handed)."""
    files = RecordingWriter(database.engine, store, **options)
    writer = EventWriter(database.engine, lambda _: None, origin=origin, recordings=files)
    files.start()
    writer.start()
    try:
        yield writer, files
    finally:
        await writer.stop()
        await files.stop(timeout_s=10)


def audio(interview: uuid.UUID, stream: str, number: int, data: bytes, seq: int) -> Append:
    return Append(interview, "audio", {"chunk": number, "mime": MIME, "data": data}, now_ms(),
                  stream=stream, client_seq=seq, audio=Chunk(interview, stream, number, MIME, data))


def payloads(count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    return [rng.randbytes(rng.randint(1, 3000)) for _ in range(count)]


async def log_audio(writer: EventWriter, interview: uuid.UUID, stream: str, chunks: list[bytes],
                    first: int = 0) -> None:
    """Log ``chunks`` (numbered from ``first``) and wait for their acknowledgement."""
    await asyncio.gather(*(
        writer.append(audio(interview, stream, first + i, data, first + i + 1))
        for i, data in enumerate(chunks)
    ))


async def recording(database: Database, interview: uuid.UUID, stream: str) -> dict[str, object]:
    async with database.engine.connect() as connection:
        raw = (await connection.get_raw_connection()).driver_connection
        row = await raw.fetchrow(  # type: ignore[union-attr]
            "SELECT r.file_name, r.size_bytes, r.next_chunk,"
            " array(SELECT array[c.chunk, c.byte_offset, c.byte_length] FROM recording_chunks c"
            " WHERE c.recording_id = r.id ORDER BY c.chunk) AS chunks"
            " FROM recordings r WHERE r.interview_id = $1 AND r.stream = $2", interview, stream)
    assert row is not None
    return dict(row)


async def written(database: Database, store: RecordingStore, interview: uuid.UUID, stream: str,
                  chunks: list[bytes], timeout: float = 10) -> None:
    """Until the recording holds ``chunks``, then check the file and its index."""
    size = sum(map(len, chunks))
    deadline = asyncio.get_running_loop().time() + timeout
    while (row := await recording(database, interview, stream))["size_bytes"] < size:
        assert asyncio.get_running_loop().time() < deadline, row
        await asyncio.sleep(0.02)
    assert row["size_bytes"] == size and row["next_chunk"] == len(chunks)
    offsets = [0]
    for data in chunks:
        offsets.append(offsets[-1] + len(data))
    assert row["chunks"] == [[n, offsets[n], len(d)] for n, d in enumerate(chunks)]
    content = store.path(str(row["file_name"])).read_bytes()
    assert content[:size] == b"".join(chunks)


async def test_a_recording_left_behind_by_a_stop_catches_up_at_start(
    database: Database, store: RecordingStore
) -> None:
    interview, stream = await new_interview(database), "stream-a"
    chunks = payloads(30, seed=1)
    # A process that stopped after logging the audio and before writing it.
    gone = EventWriter(database.engine, lambda _: None, origin="gone")
    gone.start()
    await log_audio(gone, interview, stream, chunks[:20])
    await gone.stop()
    row = await recording(database, interview, stream)
    assert row["next_chunk"] == 20 and row["size_bytes"] == 0 and row["chunks"] == []

    async with writing(database, store, "next") as (writer, _):
        await written(database, store, interview, stream, chunks[:20])
        await log_audio(writer, interview, stream, chunks[20:], first=20)
        await written(database, store, interview, stream, chunks)


async def test_stopping_writes_what_was_committed(
    database: Database, store: RecordingStore
) -> None:
    interview, stream = await new_interview(database), "stream-b"
    chunks = payloads(40, seed=2)
    async with writing(database, store, "stopping") as (writer, _):
        await log_audio(writer, interview, stream, chunks)
    await written(database, store, interview, stream, chunks, timeout=0)


async def test_past_the_memory_bound_the_chunks_come_from_the_log(
    database: Database, store: RecordingStore
) -> None:
    interview, stream = await new_interview(database), "stream-c"
    chunks = payloads(60, seed=3)
    async with writing(database, store, "bounded", max_pending_bytes=4000) as (writer, _):
        for first in range(0, len(chunks), 20):
            await log_audio(writer, interview, stream, chunks[first:first + 20], first=first)
        await written(database, store, interview, stream, chunks)


async def test_two_processes_on_one_stream_write_each_chunk_once(
    database: Database, store: RecordingStore
) -> None:
    """A stream taken over by another process while the first still writes its file."""
    interview, stream = await new_interview(database), "stream-d"
    chunks = payloads(80, seed=4)
    async with AsyncExitStack() as processes:
        writers = [(await processes.enter_async_context(writing(database, store, origin)))[0]
                   for origin in ("a", "b")]
        for first in range(0, len(chunks), 5):
            writer = writers[(first // 5) % 2]
            await log_audio(writer, interview, stream, chunks[first:first + 5], first=first)
        await written(database, store, interview, stream, chunks)


async def test_a_failing_folder_is_reported_once_and_caught_up_without_new_chunks(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recordings_module, "RETRY_AFTER_S", 0.1)
    monkeypatch.setattr(recordings_module, "MAX_RETRY_AFTER_S", 0.2)
    interview, stream = await new_interview(database), "stream-e"
    chunks = payloads(30, seed=5)
    root = tmp_path / "recordings"
    root.write_bytes(b"not a folder")  # what even root cannot write through
    failures: list[tuple[uuid.UUID, str, OSError]] = []
    store = RecordingStore(root, on_failure=lambda *failure: failures.append(failure))
    try:
        async with writing(database, store, "failing") as (writer, _):
            for first in range(0, len(chunks), 10):
                # Acknowledged while the recording cannot be written.
                await log_audio(writer, interview, stream, chunks[first:first + 10], first=first)
                await asyncio.sleep(0.15)
            assert [(i, s) for i, s, _ in failures] == [(interview, stream)]
            assert (await recording(database, interview, stream))["size_bytes"] == 0
            root.unlink()
            root.mkdir()
            await written(database, store, interview, stream, chunks)
            assert len(failures) == 1
    finally:
        store.close()


async def test_an_audio_chunk_out_of_order_is_not_logged(database: Database) -> None:
    interview, stream = await new_interview(database), "stream-f"
    writer = EventWriter(database.engine, lambda _: None, origin="order")
    writer.start()
    try:
        assert await writer.append(audio(interview, stream, 0, b"zero", 1)) is not None
        with pytest.raises(Exception, match="out of order"):
            await writer.append(audio(interview, stream, 2, b"two", 2))
        # In one batch with good frames: only the bad one fails.
        results = await asyncio.gather(
            writer.append(audio(interview, stream, 1, b"one", 3)),
            writer.append(audio(interview, stream, 5, b"five", 4)),
            writer.append(Append(interview, "phase", {"phase": "asking"}, now_ms())),
            return_exceptions=True,
        )
        assert results[0] is not None and not isinstance(results[0], BaseException)
        assert isinstance(results[1], Exception) and "out of order" in str(results[1])
        assert results[2] is not None and not isinstance(results[2], BaseException)
        row = await recording(database, interview, stream)
        assert row["next_chunk"] == 2
    finally:
        await writer.stop()


async def test_audio_of_an_interview_deleted_before_it_was_written_leaves_no_file(
    database: Database, tmp_path: Path, store: RecordingStore
) -> None:
    interview, stream = await new_interview(database), "stream-g"
    files = RecordingWriter(database.engine, store)  # handed the audio, not yet writing
    writer = EventWriter(database.engine, lambda _: None, origin="deleted", recordings=files)
    writer.start()
    try:
        await log_audio(writer, interview, stream, payloads(5, seed=7))
        assert await delete_interview(database, tmp_path, interview)
        files.start()
    finally:
        await writer.stop()
        await files.stop(timeout_s=10)  # writes (or skips) everything handed over first
    assert not (tmp_path / str(interview)).exists()


async def test_chunks_committed_within_a_round_interval_are_written_together(
    database: Database, store: RecordingStore
) -> None:
    interview, stream = await new_interview(database), "stream-paced"
    chunks = payloads(12, seed=7)
    async with writing(database, store, "paced", interval_s=3.0) as (writer, files):
        await log_audio(writer, interview, stream, chunks[:4])
        await written(database, store, interview, stream, chunks[:4])
        rounds = files.batches  # the first chunks after a quiet spell go at once
        for first in (4, 8):  # two more commits, well within the interval
            await log_audio(writer, interview, stream, chunks[first:first + 4], first=first)
        await written(database, store, interview, stream, chunks)
        assert files.batches == rounds + 1


async def test_chunks_past_a_gap_in_memory_come_from_the_log(
    database: Database, store: RecordingStore
) -> None:
    """Another process logged the chunks between two of ours: ours past the gap are not
    dropped, the next round takes everything from the log in order."""
    interview, stream = await new_interview(database), "stream-gap"
    chunks = payloads(15, seed=8)
    files = RecordingWriter(database.engine, store, interval_s=0.2)  # started below
    ours = EventWriter(database.engine, lambda _: None, origin="ours", recordings=files)
    other = EventWriter(database.engine, lambda _: None, origin="other")  # writes no files
    ours.start()
    other.start()
    try:
        await log_audio(ours, interview, stream, chunks[:5])
        await log_audio(other, interview, stream, chunks[5:10], first=5)
        await log_audio(ours, interview, stream, chunks[10:], first=10)
        files.start()  # one round holds 0-4 and 10-14
        await written(database, store, interview, stream, chunks)
    finally:
        await ours.stop()
        await other.stop()
        await files.stop()
