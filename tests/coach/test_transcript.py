"""Interim results replace earlier text for their segment; a final segment is frozen."""

from __future__ import annotations

from server.coach import LiveCoach

from .stream import Stream, of_kind, words


def started() -> LiveCoach:
    coach = LiveCoach()
    coach.answer_started(0)
    return coach


def test_interim_results_replace_and_do_not_double_count() -> None:
    coach = started()
    coach.transcript(500, 0, "I think", False)
    coach.transcript(900, 0, "I think that", False)
    coach.transcript(1300, 0, "I think that we", True)
    coach.transcript(1700, 1, "should", False)
    assert coach.metrics(2000)["words"] == 5


def test_a_final_segment_is_frozen() -> None:
    coach = started()
    coach.transcript(500, 0, "we used a cache", True)
    coach.transcript(900, 0, "we used a cache and then a lot more words arrived", False)
    coach.transcript(1300, 0, "", True)
    assert coach.metrics(2000)["words"] == 4


def test_a_revision_may_shrink_a_segment() -> None:
    coach = started()
    coach.transcript(500, 0, "we use the cash", False)
    coach.transcript(900, 0, "we used cache", False)
    assert coach.metrics(1000)["words"] == 3
    coach.transcript(1300, 0, "we used caching heavily", True)
    assert coach.metrics(1500)["words"] == 4


def test_rewriting_a_segment_is_not_speaking_fast() -> None:
    s = Stream()
    s.start(0)
    # A recogniser that re-sends the whole growing segment every 200 ms while words come at
    # 130 wpm: many messages, no new words in most of them.
    sentence = words(200)
    t, spoken = 0, 0
    while spoken < len(sentence):
        t += 200
        spoken = min(len(sentence), t * 130 // 60_000)
        seg, start = divmod(spoken, 20)
        text = " ".join(sentence[seg * 20 : seg * 20 + start])
        s.say(t, seg, text)
    fired = s.run(t)
    assert not of_kind(fired, "pace", "warn")
    assert 120 <= s.coach.metrics(t)["wpm"] <= 140


def test_typed_answers_have_no_pace() -> None:
    coach = started()
    out = coach.transcript(30_000, 0, " ".join(words(60)), True, spoken=False)
    out += coach.transcript(34_000, 1, " ".join(words(60)), True, spoken=False)
    out += coach.tick(60_000)
    assert [n.kind for n in out if n.level != "good"] == []
    metrics = coach.metrics(60_000)
    assert metrics["words"] == 120
    assert "wpm" not in metrics and "longest_pause_s" not in metrics


def test_transcripts_outside_an_answer_are_ignored() -> None:
    coach = LiveCoach()
    coach.transcript(100, 0, "hello there", True)
    coach.answer_started(1000)
    coach.transcript(1500, 1, "hi", True)
    coach.answer_ended(2000)
    coach.transcript(2500, 2, "more words after the end", True)
    assert coach.metrics(3000)["words"] == 1
