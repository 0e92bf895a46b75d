"""An export taken while the recording's file is still behind its log (it is written after
the acknowledgement) describes the recording as the log holds it, and imports."""

from __future__ import annotations

import random
from pathlib import Path
from typing import AsyncIterator

from db.engine import create_engine
from db.models import Interview
from server.database import Database
from server.hub.event_writer import Append, EventWriter, now_ms
from server.hub.recordings import Chunk, RecordingStore
from server.lifecycle.exporting import export_interview
from server.lifecycle.importing import import_interview
from tests.hub.conftest import new_candidate, new_interview

MIME = "audio/webm;codecs=opus"


async def test_an_export_before_the_file_is_written_imports_with_the_whole_recording(
    database_url: str, fresh_database_url: str, tmp_path: Path
) -> None:
    here = Database(create_engine(database_url), database_url)
    there = Database(create_engine(fresh_database_url), fresh_database_url)
    store = RecordingStore(tmp_path / "there")
    rng = random.Random(3)
    chunks = [rng.randbytes(rng.randint(1, 3000)) for _ in range(12)]
    try:
        interview = await new_interview(here)
        # Logged and acknowledged; no recording writer: the file is never written here.
        writer = EventWriter(here.engine, lambda _: None, origin="lagging")
        writer.start()
        try:
            for number, data in enumerate(chunks):
                await writer.append(Append(
                    interview, "audio", {"chunk": number, "mime": MIME, "data": data},
                    now_ms(), stream="s", client_seq=number + 1,
                    audio=Chunk(interview, "s", number, MIME, data)))
        finally:
            await writer.stop()

        async with here.transaction() as session:
            row = await session.get(Interview, interview)
        assert row is not None

        async def pieces() -> AsyncIterator[bytes]:
            async for piece in export_interview(here, row):
                yield piece

        imported = await import_interview(there, store, await new_candidate(there), pieces(),
                                          max_bytes=1 << 26)
        files = list((tmp_path / "there" / str(imported)).iterdir())
        assert len(files) == 1 and files[0].read_bytes() == b"".join(chunks)
    finally:
        store.close()
        await here.close()
        await there.close()
