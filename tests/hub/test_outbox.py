"""The bounded outbox and the rate limiter, without sockets."""

import asyncio

import pytest

from server.hub.outbox import ACK_BURST, Outbox, Outgoing, Overflow
from server.hub.rate_limit import TokenBucket


def item(kind: str, seq: int, size: int = 10) -> Outgoing:
    return Outgoing(b"x" * size, kind, seq)


def test_acks_go_first_and_are_coalesced() -> None:
    outbox = Outbox()
    outbox.push(item("transcript", 1))
    outbox.set_ack(3)
    outbox.set_ack(5)
    assert outbox.take() == (5, None)
    ack, sent = outbox.take()
    assert ack is None and sent is not None and sent.seq == 1
    assert outbox.take() == (None, None)


def test_whatever_may_be_due_is_announced() -> None:
    announced: list[str] = []
    outbox = Outbox(on_ready=lambda: announced.append("ready"))
    outbox.push(item("face", 1))
    outbox.set_ack(1)
    outbox.set_pong(b"pong")
    assert announced == ["ready"] * 3


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def just_acked() -> tuple[Clock, Outbox, asyncio.Event]:
    """An outbox (acks at most every 0.15 s on its clock) that has just sent ack 1, and
    the event its announcements set."""
    clock = Clock()
    ready = asyncio.Event()
    outbox = Outbox(ack_interval_s=0.15, clock=clock, on_ready=ready.set)
    outbox.set_ack(1)
    assert outbox.take() == (1, None)  # the first goes out at once
    ready.clear()
    return clock, outbox, ready


async def test_an_ack_within_the_interval_waits_and_carries_the_newest_value() -> None:
    clock, outbox, ready = just_acked()
    clock.now = 0.05
    outbox.set_ack(2)
    outbox.set_ack(3)
    assert outbox.take() == (None, None)  # not due: its turn is announced later
    ready.clear()
    await asyncio.wait_for(ready.wait(), 5)  # the turn comes, but on this clock not yet
    assert outbox.take() == (None, None)
    clock.now = 0.15
    assert outbox.take() == (3, None)
    clock.now = 1.0  # after a quiet spell the next ack is due at once
    outbox.set_ack(4)
    assert outbox.take() == (4, None)


async def test_frames_go_out_while_an_ack_waits_for_its_turn() -> None:
    clock, outbox, ready = just_acked()
    outbox.set_ack(2)
    outbox.push(item("transcript", 7))
    ack, sent = outbox.take()
    assert ack is None and sent is not None and sent.seq == 7
    assert outbox.take() == (None, None)
    ready.clear()
    clock.now = 0.15
    await asyncio.wait_for(ready.wait(), 5)
    assert outbox.take() == (2, None)


async def test_a_fast_sender_is_acknowledged_without_waiting_for_the_interval() -> None:
    clock, outbox, ready = just_acked()
    clock.now = 0.01
    outbox.set_ack(1 + ACK_BURST - 1)
    assert outbox.take() == (None, None)  # fewer than ACK_BURST frames wait: paced
    outbox.set_ack(1 + ACK_BURST)
    assert outbox.take() == (1 + ACK_BURST, None)
    clock.now = 0.02
    outbox.set_ack(2 + ACK_BURST)
    assert outbox.take() == (None, None)  # counted from the ack just sent
    ready.clear()
    clock.now = 0.17
    await asyncio.wait_for(ready.wait(), 5)
    assert outbox.take() == (2 + ACK_BURST, None)


async def test_closing_cancels_a_waiting_ack() -> None:
    _, outbox, _ = just_acked()
    outbox.set_ack(2)
    assert outbox.take() == (None, None)
    assert outbox._ack_timer is not None
    outbox.close()
    assert outbox._ack_timer is None
    assert outbox.take() == (None, None)


def test_a_burst_to_a_member_that_keeps_up_loses_nothing() -> None:
    outbox = Outbox(soft_limit=4, hard_limit=100, clock=Clock())
    for seq in range(1, 50):
        outbox.push(item("face", seq))
    assert len(outbox) == 49 and outbox.coalesced == 0


def test_laggard_loses_superseded_faces_only() -> None:
    clock = Clock()
    outbox = Outbox(soft_limit=4, hard_limit=100, stall_s=0.25, clock=clock)
    clock.now = 1.0  # nothing sent for a second: the member is behind
    kinds = ["face", "transcript", "face", "audio", "face", "state", "face"]
    for seq, kind in enumerate(kinds, 1):
        outbox.push(item(kind, seq))
    sent = []
    while len(outbox):
        sent.append(outbox.take()[1])
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
