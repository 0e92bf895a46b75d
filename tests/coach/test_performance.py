"""A sanity check that the coach costs microseconds, not a benchmark."""

from __future__ import annotations

import time

from server.coach import FaceSample, LiveCoach

from .stream import words

FRAMES = [FaceSample(True, 0.7)] * 10


def test_ten_thousand_events_well_under_a_second() -> None:
    coach = LiveCoach()
    script = words(15)
    started = time.perf_counter()
    coach.answer_started(0)
    seg = n = 0
    for i in range(10_000):
        t = 100 * (i + 1)
        if i % 4 == 3:
            coach.face(t, FRAMES)
        elif i % 4 == 2:
            coach.tick(t)
        else:
            n += 1
            coach.transcript(t, seg, " ".join(script[:n]), n == len(script))
            if n == len(script):
                seg, n = seg + 1, 0
        if i % 2_000 == 1_999:
            coach.metrics(t)
            coach.answer_ended(t)
            coach.answer_started(t)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"10,000 events took {elapsed:.3f} s"
