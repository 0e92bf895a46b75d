"""A well-delivered answer gets no warnings, at most a word of encouragement per kind."""

from __future__ import annotations

from server.coach import LiveCoach

from .stream import Stream, of_kind, problems, words


def clean_answer(kind: str = "behavioral", seconds: int = 150) -> Stream:
    s = Stream(LiveCoach(interview_kind=kind))
    s.start(0)
    script = words(15)
    script[7] = "um"
    t = 0.0
    # 15-word sentences at 150 wpm with a one-second breath between: about 130 wpm overall,
    # one filler per 15 words is 6.7 per 100 — so only every fourth sentence has one.
    n = 0
    while t < seconds * 1000 - 8000:
        t = s.speak(t, script if n % 4 == 0 else words(15), 150, seg_words=15) + 1000
        n += 1
    s.faces(0, seconds * 1000, eye=0.85)
    s.end(round(t))
    return s


def test_clean_answer_has_no_warnings() -> None:
    fired = clean_answer().run(150_000)
    assert problems(fired) == []
    goods = [(f.nudge.kind, f.nudge.level) for f in fired]
    assert sorted(goods) == [("eye_contact", "good"), ("pace", "good")]


def test_positive_feedback_at_most_once_per_answer() -> None:
    s = clean_answer(seconds=100)
    fired = s.run(110_000)
    assert len(of_kind(fired, "pace", "good")) == 1
    assert len(of_kind(fired, "eye_contact", "good")) == 1
    good = of_kind(fired, "pace", "good")[0].nudge
    assert good.value is not None and 120 <= good.value <= 160
    assert "Good pace" in good.message


def test_clean_technical_answer_with_recogniser_chunks() -> None:
    s = Stream(LiveCoach(interview_kind="technical"))
    s.start(0)
    # Interim results carrying a few words at a time, as recognisers deliver them.
    t = 0
    for seg in range(20):
        sentence = words(15)
        for n in range(3, 16, 3):
            t += 1200
            text = " ".join(sentence[:n])
            s.say(t, seg, text, n == 15)
        t += 1000
    s.faces(0, t, eye=0.8)
    fired = s.run(t)
    assert problems(fired) == []


def test_nothing_fires_outside_an_answer() -> None:
    s = Stream()
    s.faces(0, 20_000, present=False)
    s.speak(0, words(100), 220)
    fired = s.run(30_000)
    assert fired == []
    assert s.coach.metrics(30_000) == {}
