"""The writer tells each append's owner, by a plain call, the moment its result is set:
stored, found stored already, or failed; and gives back its place in the buffer then."""

from __future__ import annotations

from server.database import Database
from server.hub.event_writer import Append, EventWriter, now_ms
from tests.hub.conftest import new_interview


async def test_each_append_is_settled_once_with_its_result_set(database: Database) -> None:
    interview = await new_interview(database)
    writer = EventWriter(database.engine, lambda events: None, origin="test")
    writer.start()
    seen: list[tuple[int, str]] = []

    def frame(seq: int, d: dict[str, object]) -> Append:
        item = Append(interview, "transcript", d, now_ms(), stream="s", client_seq=seq)

        def settled() -> None:
            assert item.result.done()  # the owner may read the result at once
            error = item.result.exception()
            seen.append((seq, "failed" if error else
                         "duplicate" if item.result.result() is None else "stored"))

        item.settled = settled
        return item

    text = {"seg": 1, "text": "hello", "final": True, "src": "typed"}
    try:
        first = [writer.append(frame(seq, text), frame_bytes=10) for seq in (1, 2)]
        await first[-1]
        resent = writer.append(frame(2, text), frame_bytes=10)  # a resend after a reconnect
        await resent
        # Not packable: fails at once, before the writer's task sees it.
        broken = writer.append(frame(3, {"text": object()}), frame_bytes=10)
        assert broken.done() and broken.exception() is not None
        assert seen == [(1, "stored"), (2, "stored"), (2, "duplicate"), (3, "failed")]
        assert writer.buffered_frames == 0 and writer.buffered_bytes == 0
    finally:
        await writer.stop(timeout_s=5)
