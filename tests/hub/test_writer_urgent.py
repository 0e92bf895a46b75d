"""A candidate's state change, or a full batch, closes the batch at once; other frames wait
out the batching window for company."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import pytest

from server.database import Database
from server.hub import event_writer
from server.hub.event_writer import Append, EventWriter, now_ms
from server.hub.events import StoredEvent
from tests.hub.conftest import new_interview

WINDOW_S = 60.0  # far longer than the test waits


@asynccontextmanager
async def running(database: Database, on_commit: Callable[[Sequence[StoredEvent]], None]
                  = lambda events: None, **options: Any) -> AsyncIterator[EventWriter]:
    writer = EventWriter(database.engine, on_commit, origin="test", **options)
    writer.start()
    try:
        yield writer
    finally:
        await writer.stop(timeout_s=5)


def face(interview: uuid.UUID, seq: int) -> Append:
    return Append(interview, "face", {"frames": []}, now_ms(), stream="s", client_seq=seq)


async def test_an_urgent_append_is_written_without_waiting_for_the_window(
        database: Database) -> None:
    interview = await new_interview(database)
    async with running(database, max_delay_s=WINDOW_S) as writer:
        waiting = writer.append(face(interview, 1))
        await asyncio.sleep(0.2)
        assert not waiting.done()  # waiting for company, the window being long
        state = writer.append(Append(interview, "state", {"action": "answer_end"}, now_ms(),
                                     stream="s", client_seq=2, urgent=True))
        stored = await asyncio.wait_for(state, 10)
        # The frame that waited goes in the same batch, ahead of the state change.
        first = await asyncio.wait_for(waiting, 1)
        assert first is not None and stored is not None and first.seq + 1 == stored.seq
        assert writer.batches == 1


async def test_a_full_batch_is_written_without_waiting_for_the_window(
        database: Database) -> None:
    interview = await new_interview(database)
    async with running(database, max_batch=3, max_delay_s=WINDOW_S) as writer:
        frames = [writer.append(face(interview, seq)) for seq in (1, 2)]
        await asyncio.sleep(0.2)
        assert not any(frame.done() for frame in frames)
        frames.append(writer.append(face(interview, 3)))
        stored = await asyncio.wait_for(asyncio.gather(*frames), 10)
        assert [event.seq for event in stored if event is not None] == [1, 2, 3]
        assert writer.batches == 1
        # The next one waits for company again.
        fourth = writer.append(face(interview, 4))
        await asyncio.sleep(0.2)
        assert not fourth.done()


async def test_what_waits_for_company_goes_when_the_window_closes(database: Database) -> None:
    interview = await new_interview(database)
    async with running(database, max_delay_s=0.3) as writer:
        first = writer.append(face(interview, 1))
        await asyncio.sleep(0.1)
        second = writer.append(face(interview, 2))
        stored = await asyncio.wait_for(asyncio.gather(first, second), 10)
        assert [event.seq for event in stored if event is not None] == [1, 2]
        assert writer.batches == 1  # the second came within the first's window


class SteppedClock:
    """``time`` for the writer, whose monotonic clock moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def perf_counter(self) -> float:
        return self.now

    def time(self) -> float:
        return time.time()


async def test_time_spent_handing_a_batch_on_counts_toward_the_next_window(
        database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Frames that came while a batch was written and handed on have waited already: once
    the handing on took the window's length, the next batch goes at once."""
    interview = await new_interview(database)
    clock = SteppedClock()
    monkeypatch.setattr(event_writer, "time", clock)
    later: list[asyncio.Future[StoredEvent | None]] = []

    def hand_on(events: Sequence[StoredEvent]) -> None:
        if not later:  # the first batch: a frame comes while it is handed on, which is slow
            later.append(writer.append(face(interview, 2)))
            clock.now += WINDOW_S

    async with running(database, hand_on, max_delay_s=WINDOW_S) as writer:
        first = writer.append(Append(interview, "state", {"action": "start"}, now_ms(),
                                     stream="s", client_seq=1, urgent=True))
        assert await asyncio.wait_for(first, 10) is not None
        second = await asyncio.wait_for(later[0], 10)  # not WINDOW_S (60 s) later
        assert second is not None and second.client_seq == 2
        assert writer.batches == 2
