"""The answer summary handed to the analyzer, checked against a script worked out by hand."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from server.coach import FaceSample, LiveCoach

PRESENT = [FaceSample(True, 0.8)] * 10
ABSENT = [FaceSample(False)] * 10


def scripted() -> LiveCoach:
    events: list[tuple[int, Callable[[LiveCoach, int], object]]] = []
    # Segment 0: 20 words, one every 500 ms from 1.5 s to 11 s; two "um" and a "you know".
    first = ["um", "we", "moved", "billing", "to", "a", "queue", "you", "know", "so"]
    first += ["retries", "were", "safe", "um", "and", "the", "whole", "team", "deployed", "daily"]
    # After a 3 s pause, segment 1: 10 words from 14 s to 18.5 s.
    second = ["latency", "dropped", "by", "a", "third", "and", "incidents", "went", "down", "too"]
    for seg, start, script in ((0, 1_500, first), (1, 14_000, second)):
        for i in range(len(script)):
            text, final = " ".join(script[: i + 1]), i == len(script) - 1
            events.append((start + 500 * i, _say(seg, text, final)))
    # Face batches every second; the face is out of view in the batches at 6 s and 7 s.
    for t in range(2_000, 21_000, 1_000):
        events.append((t, _look(ABSENT if t in (6_000, 7_000) else PRESENT)))
    coach = LiveCoach()
    coach.answer_started(1_000)
    for t, event in sorted(events, key=lambda e: e[0]):
        event(coach, t)
    coach.answer_ended(20_000)
    return coach


def _look(frames: list[FaceSample]) -> Callable[[LiveCoach, int], object]:
    return lambda c, now: c.face(now, frames)


def _say(seg: int, text: str, final: bool) -> Callable[[LiveCoach, int], object]:
    return lambda c, now: c.transcript(now, seg, text, final)


def test_metrics_of_a_known_script() -> None:
    m = scripted().metrics(25_000)
    assert m["words"] == 30
    assert m["duration_s"] == 19.0
    assert m["fillers"] == 3
    assert m["fillers_per_100"] == 10.0
    # 29 words after the first over 19 gaps of 0.5 s plus the 3 s pause capped at 2.5 s.
    assert m["wpm"] == pytest.approx(29 * 60 / 16.5, abs=0.01)
    assert m["longest_pause_s"] == 3.0
    assert m["eye_contact_share"] == pytest.approx(0.8)
    # Absent from the first frame of the 6 s batch (5.1 s) to the first frame of the 8 s
    # batch (7.1 s).
    assert m["face_missing_s"] == pytest.approx(2.0)


def test_metrics_freeze_when_the_answer_ends() -> None:
    coach = scripted()
    assert coach.metrics(20_000) == coach.metrics(90_000)


def test_metrics_while_answering() -> None:
    coach = LiveCoach()
    coach.answer_started(0)
    for i in range(40):
        coach.transcript(500 * (i + 1), i // 10, " ".join(["word"] * (i % 10 + 1)), False)
    m = coach.metrics(25_000)
    assert m["words"] == 40
    assert m["duration_s"] == 25.0
    assert m["wpm"] == 120.0
    assert m["fillers_per_100"] == 0.0
    # No camera: no face metrics.
    assert "eye_contact_share" not in m and "face_missing_s" not in m


def test_face_missing_counts_an_absence_still_going_on() -> None:
    coach = LiveCoach()
    coach.answer_started(0)
    for t in range(1_000, 11_000, 1_000):
        coach.face(t, PRESENT if t <= 5_000 else ABSENT)
    # Out of view since 5.1 s.
    assert coach.metrics(10_000)["face_missing_s"] == pytest.approx(4.9)


def test_the_answer_timeline_samples_pace_and_marks_long_pauses() -> None:
    coach = LiveCoach()
    coach.answer_started(0)
    words: list[str] = []
    # One word every 500 ms from 1 s to 10.5 s, 6 s of silence, ten more from 16.5 s.
    times = [1_000 + 500 * k for k in range(20)] + [16_500 + 500 * j for j in range(10)]
    for t in times:
        words.append("word")
        coach.transcript(t, 0, " ".join(words), False)
    coach.answer_ended(22_000)
    timeline = coach.timeline()
    # First point once the window holds 15 words: 14 words after the first in 7 s of
    # speaking. The next at least 5 s later: 20 words in 9.5 s plus the pause capped at 2.5 s.
    assert timeline.pace == ((8_000, 120.0), (16_500, 100.0))
    assert timeline.pauses == ((10_500, 6.0),)
    # The live coach's summary agrees: the same pause is the longest.
    assert coach.metrics(22_000)["longest_pause_s"] == 6.0


def test_a_typed_answer_has_no_timeline() -> None:
    coach = LiveCoach()
    coach.answer_started(0)
    text = ""
    for t in range(1_000, 20_000, 500):
        text = f"{text} word".strip()
        coach.transcript(t, 0, text, False, spoken=False)
    coach.answer_ended(21_000)
    assert coach.timeline().pace == () and coach.timeline().pauses == ()
