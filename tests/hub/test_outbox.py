"""The bounded outbox and the rate limiter, without sockets."""

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
