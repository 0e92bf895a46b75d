"""The bounded outbox and the rate limiter, without sockets."""

import asyncio

import pytest

from server.hub.outbox import Outbox, Outgoing, Overflow
from server.hub.rate_limit import TokenBucket


def item(kind: str, seq: int, size: int = 10) -> Outgoing:
    return Outgoing(b"x" * size, kind, seq)


async def test_acks_go_first_and_are_coalesced() -> None:
    outbox = Outbox()
    outbox.push(item("transcript", 1))
    outbox.set_ack(3)
    outbox.set_ack(5)
    assert await outbox.get() == (5, None)
    ack, sent = await outbox.get()
    assert ack is None and sent is not None and sent.seq == 1


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def just_acked() -> tuple[Clock, Outbox]:
    """An outbox (acks at most every 0.15 s on its clock) that has just sent ack 1."""
    clock = Clock()
    outbox = Outbox(ack_interval_s=0.15, clock=clock)
    outbox.set_ack(1)
    assert await outbox.get() == (1, None)  # the first goes out at once
    return clock, outbox


async def test_an_ack_within_the_interval_waits_and_carries_the_newest_value() -> None:
    clock, outbox = await just_acked()
    clock.now = 0.05
    outbox.set_ack(2)
    outbox.set_ack(3)
    waiting = asyncio.create_task(outbox.get())
    await asyncio.sleep(0.2)  # the wake-up fires, but on this clock the ack is not due yet
    assert not waiting.done()
    clock.now = 0.15
    assert await asyncio.wait_for(waiting, 5) == (3, None)
    clock.now = 1.0  # after a quiet spell the next ack is due at once
    outbox.set_ack(4)
    assert await outbox.get() == (4, None)


async def test_frames_go_out_while_an_ack_waits_for_its_turn() -> None:
    clock, outbox = await just_acked()
    outbox.set_ack(2)
    outbox.push(item("transcript", 7))
    ack, sent = await outbox.get()
    assert ack is None and sent is not None and sent.seq == 7
    clock.now = 0.15
    assert await asyncio.wait_for(outbox.get(), 5) == (2, None)


async def test_closing_cancels_a_waiting_ack() -> None:
    _, outbox = await just_acked()
    outbox.set_ack(2)
    waiting = asyncio.create_task(outbox.get())
    await asyncio.sleep(0)
    outbox.close()
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    assert outbox._ack_timer is None


def test_a_burst_to_a_member_that_keeps_up_loses_nothing() -> None:
    outbox = Outbox(soft_limit=4, hard_limit=100, clock=Clock())
    for seq in range(1, 50):
        outbox.push(item("face", seq))
    assert len(outbox) == 49 and outbox.coalesced == 0


async def test_laggard_loses_superseded_faces_only() -> None:
    clock = Clock()
    outbox = Outbox(soft_limit=4, hard_limit=100, stall_s=0.25, clock=clock)
    clock.now = 1.0  # nothing sent for a second: the member is behind
    kinds = ["face", "transcript", "face", "audio", "face", "state", "face"]
    for seq, kind in enumerate(kinds, 1):
        outbox.push(item(kind, seq))
    sent = []
    while len(outbox):
        sent.append((await outbox.get())[1])
    assert [(o.kind, o.seq) for o in sent if o is not None] == [
        ("transcript", 2), ("audio", 4), ("state", 6), ("face", 7)
    ]
    assert outbox.coalesced == 3


def test_past_the_hard_bound_the_member_must_go() -> None:
    outbox = Outbox(soft_limit=2, hard_limit=5)
    for seq in range(1, 6):
        outbox.push(item("transcript", seq))
    with pytest.raises(Overflow):
        outbox.push(item("transcript", 6))
    by_bytes = Outbox(hard_bytes=100)
    by_bytes.push(item("audio", 1, size=60))
    with pytest.raises(Overflow):
        by_bytes.push(item("audio", 2, size=60))


def test_closed_outbox_takes_nothing() -> None:
    outbox = Outbox()
    outbox.close()
    outbox.push(item("face", 1))
    assert len(outbox) == 0


def test_token_bucket_allows_a_burst_then_the_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr("server.hub.rate_limit.time.monotonic", lambda: clock[0])
    bucket = TokenBucket(rate=10, burst=5)
    assert all(bucket.take() for _ in range(5))
    assert not bucket.take()
    clock[0] += 0.5
    assert sum(bucket.take() for _ in range(10)) == 5
