"""A candidate's state change closes its batch at once; other frames wait out the
batching window for company."""

from __future__ import annotations

import asyncio

from server.database import Database
from server.hub.event_writer import Append, EventWriter, now_ms
from tests.hub.conftest import new_interview

WINDOW_S = 60.0  # far longer than the test waits


async def test_an_urgent_append_is_written_without_waiting_for_the_window(
        database: Database) -> None:
    interview = await new_interview(database)
    writer = EventWriter(database.engine, lambda events: None, origin="test",
                         max_delay_s=WINDOW_S)
    writer.start()
    try:
        face = writer.append(Append(interview, "face", {"frames": []}, now_ms(),
                                    stream="s", client_seq=1))
        await asyncio.sleep(0.2)
        assert not face.done()  # waiting for company, the window being long
        state = writer.append(Append(interview, "state", {"action": "answer_end"}, now_ms(),
                                     stream="s", client_seq=2, urgent=True))
        stored = await asyncio.wait_for(state, 10)
        # The frame that waited goes in the same batch, ahead of the state change.
        first = await asyncio.wait_for(face, 1)
        assert first is not None and stored is not None and first.seq + 1 == stored.seq
        assert writer.batches == 1
    finally:
        await writer.stop(timeout_s=5)
