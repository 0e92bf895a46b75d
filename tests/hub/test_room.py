"""A room hands events on in seq order, whatever order they arrive in, filling gaps from the log."""

import asyncio
import uuid

from server.hub.events import StoredEvent
from server.hub.room import Room

INTERVIEW = uuid.uuid4()


def event(seq: int, kind: str = "transcript") -> StoredEvent:
    return StoredEvent(INTERVIEW, seq, kind, 1000 + seq, {"seg": seq, "text": "x", "final": True, "src": "typed"},
                       stream="s", client_seq=seq)


class Sink:
    def __init__(self) -> None:
        self.seen: list[int] = []

    def on_event(self, e: StoredEvent) -> None:
        self.seen.append(e.seq)


async def test_out_of_order_and_duplicate_events_come_out_in_order() -> None:
    async def load(_: uuid.UUID, after: int, upto: int) -> list[StoredEvent]:
        raise AssertionError("nothing should be read")

    room = Room(INTERVIEW, 0, load)
    sink = Sink()
    room.sinks.append(sink)
    room.deliver([event(2), event(3)])
    room.deliver([event(1), event(2)])
    assert sink.seen == [1, 2, 3]
    room.close()


async def test_a_gap_is_filled_from_the_log() -> None:
    log = {seq: event(seq) for seq in range(1, 11)}
    reads: list[tuple[int, int]] = []

    async def load(_: uuid.UUID, after: int, upto: int) -> list[StoredEvent]:
        reads.append((after, upto))
        return [log[s] for s in range(after + 1, upto + 1)]

    room = Room(INTERVIEW, 2, load)
    sink = Sink()
    room.sinks.append(sink)
    room.deliver([event(7), event(8)])  # 3..6 were written by another process
    await asyncio.sleep(0.05)
    assert sink.seen == [3, 4, 5, 6, 7, 8]
    room.advance_to(10)  # a NOTIFY from another process
    await asyncio.sleep(0.05)
    assert sink.seen == [3, 4, 5, 6, 7, 8, 9, 10]
    assert reads == [(2, 6), (8, 10)]
    room.close()
