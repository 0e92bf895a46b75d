"""The event writer with no database to reach: degraded, bounded, and honest when stopped."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from db.engine import create_engine
from server.hub.event_writer import Append, EventWriter, Unavailable, now_ms
from tests.live_server import free_port


def frame(interview: uuid.UUID, seq: int) -> Append:
    return Append(interview, "transcript", {"seg": seq, "text": "x", "final": True, "src": "typed"},
                  now_ms(), stream="s", client_seq=seq)


async def test_an_unreachable_database_degrades_bounds_and_stops_without_false_success() -> None:
    engine = create_engine(f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere")
    health: list[bool] = []
    writer = EventWriter(engine, lambda events: None, origin="test", max_pending=5,
                         max_pending_bytes=1000, on_health=health.append)
    writer.start()
    interview = uuid.uuid4()
    try:
        taken = [writer.append(frame(interview, seq), frame_bytes=100) for seq in range(1, 6)]
        with pytest.raises(Unavailable, match="this message was not taken"):
            writer.append(frame(interview, 6), frame_bytes=100)  # past the frame bound
        while not health:
            await asyncio.sleep(0.01)
        assert health == [False] and not writer.healthy
        with pytest.raises(Unavailable, match="database is unavailable"):
            writer.append(frame(interview, 6), frame_bytes=100)
        assert writer.buffered_frames == 5 and writer.buffered_bytes == 500
        # A server event is never refused: it has nowhere else to wait.
        server_event = writer.append(Append(interview, "phase", {"phase": "asking"}, now_ms()))

        await writer.stop(timeout_s=0.3)
        for future in [*taken, server_event]:
            assert isinstance(future.exception(), Unavailable)  # failed, never "stored"
        await asyncio.sleep(0)  # the futures' callbacks give the buffer back
        assert writer.buffered_frames == 0 and writer.buffered_bytes == 0
    finally:
        await engine.dispose()


async def test_the_byte_bound_refuses_a_frame_that_would_pass_it() -> None:
    engine = create_engine(f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere")
    writer = EventWriter(engine, lambda events: None, origin="test", max_pending=100,
                         max_pending_bytes=1000)
    interview = uuid.uuid4()
    try:
        writer.append(frame(interview, 1), frame_bytes=900)
        with pytest.raises(Unavailable):
            writer.append(frame(interview, 2), frame_bytes=200)
        writer.append(frame(interview, 2), frame_bytes=100)  # exactly at the bound: taken
        assert writer.buffered_bytes == 1000
    finally:
        await writer.stop(timeout_s=0)
        await engine.dispose()
