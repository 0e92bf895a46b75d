"""Measuring answers again from the log gives what the live coach measured while they ran."""

from __future__ import annotations

from server.analytics.measure import LoggedEvent, measure_answers
from server.coach import AnswerTimeline, FaceSample, LiveCoach


def _script() -> tuple[list[LoggedEvent], dict[str, float], AnswerTimeline]:
    """A spoken answer to q1, then a typed one to q2, as logged; and what a coach fed the
    spoken answer directly measured."""
    events: list[LoggedEvent] = []
    coach = LiveCoach(interview_kind="technical")

    def phase(ts: int, phase: str, qid: str | None = None) -> None:
        d = {"phase": phase} | ({"qid": qid} if qid else {})
        events.append(LoggedEvent("phase", ts, d))

    # Words before the answer starts do not count.
    events.append(LoggedEvent("transcript", 500, {"seg": 0, "text": "early words", "final": True, "src": "speech"}))
    phase(1_000, "answering", "q1")
    coach.answer_started(1_000)
    words: list[str] = []
    for k in range(24):
        t = 1_500 + 500 * k + (6_000 if k >= 12 else 0)
        words.append("um" if k % 8 == 0 else "word")
        d = {"seg": 1, "text": " ".join(words), "final": k == 23, "src": "speech"}
        events.append(LoggedEvent("transcript", t, d))
        coach.transcript(t, 1, d["text"], d["final"])
        frames = [{"t": 0, "present": True, "eye_contact": 0.6}] * 3
        events.append(LoggedEvent("face", t + 1, {"frames": frames}))
        coach.face(t + 1, [FaceSample(True, 0.6)] * 3)
    # Paused and resumed: still the same answer.
    phase(20_000, "answering", "q1")
    phase(24_000, "reviewing", "q1")
    metrics = coach.metrics(24_000)
    coach.answer_ended(24_000)
    timeline = coach.timeline()
    phase(30_000, "answering", "q2")
    events.append(LoggedEvent("transcript", 31_000, {"seg": 2, "text": "typed words here", "final": True, "src": "typed"}))
    phase(40_000, "reviewing", "q2")
    return events, metrics, timeline


def test_the_log_gives_what_the_coach_measured() -> None:
    events, metrics, timeline = _script()
    first, second = measure_answers(events, "technical")
    assert first.qid == "q1" and first.metrics == metrics and first.timeline == timeline
    assert first.metrics["words"] == 24 and first.metrics["fillers"] == 3
    assert first.metrics["eye_contact_share"] == 0.6
    assert first.timeline.pauses and first.timeline.pace
    assert second.qid == "q2" and second.metrics["words"] == 3
    assert "wpm" not in second.metrics and second.timeline.pace == ()


def test_an_answer_still_running_is_not_measured() -> None:
    events = [LoggedEvent("phase", 0, {"phase": "answering", "qid": "q1"}),
              LoggedEvent("transcript", 100, {"seg": 0, "text": "so far", "final": False})]
    assert measure_answers(events, "mixed") == []
