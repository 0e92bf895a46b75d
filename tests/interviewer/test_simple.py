from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.interviewer import (
    SKIPPED,
    AnswerAnalysis,
    InterviewSpec,
    Interviewer,
    PlannedQuestion,
    SimpleInterviewer,
)
from server.interviewer.bank import load_bank

interviewer = SimpleInterviewer()
INDEXING = load_bank().by_topic("databases/indexing").planned("x")  # type: ignore[union-attr]
GOOD = (
    "First I would read the query plan with EXPLAIN to see whether it scans the whole table. "
    "Then I would add a b-tree index on the selective columns, for example user_id and "
    "created_at. Indexes are not free: every insert pays a write overhead and the index takes "
    "storage, so at my last job we dropped 3 unused ones and cut write latency by 20%."
)
VAGUE = "I would make it faster somehow, maybe with better hardware."


def test_it_is_an_interviewer() -> None:
    assert isinstance(interviewer, Interviewer)


@pytest.mark.parametrize(
    "text",
    [INDEXING.text, "One", "one two three", "one two three four", "  spaced   out\ttext \n", ""],
)
async def test_ask_streams_the_text_in_word_groups(text: str) -> None:
    pieces = [p async for p in interviewer.ask(PlannedQuestion(text, "t"))]
    assert "".join(pieces) == text
    assert all(1 <= len(p.split()) <= 3 for p in pieces if p.strip())


async def test_follow_up_after_a_short_answer_that_misses_points() -> None:
    follow_up = await interviewer.follow_up(INDEXING, VAGUE)
    assert follow_up is not None
    assert follow_up.topic == "databases/indexing:follow_up" and follow_up.is_follow_up
    entry = load_bank().by_topic("databases/indexing")
    assert entry is not None and follow_up.text == entry.follow_up
    assert follow_up.key_points == INDEXING.key_points
    assert await interviewer.follow_up(follow_up, VAGUE) is None


async def test_no_follow_up_after_a_good_or_long_answer() -> None:
    assert await interviewer.follow_up(INDEXING, GOOD) is None
    rambling = " ".join(["and then we talked about it"] * 12)
    assert await interviewer.follow_up(INDEXING, rambling) is None


async def test_the_follow_up_asks_about_what_was_missed() -> None:
    answer = "I would check the query plan and add a b-tree index."
    follow_up = await interviewer.follow_up(INDEXING, answer)
    assert follow_up is not None
    assert follow_up.key_points == ("selective columns", "write overhead", "storage cost")


async def test_no_follow_up_for_questions_outside_the_bank() -> None:
    assert await interviewer.follow_up(PlannedQuestion("Hello?", "instructor"), "") is None


async def test_key_points_come_from_the_bank_when_missing() -> None:
    bare = PlannedQuestion(INDEXING.text, INDEXING.topic)
    expected = await interviewer.analyze(INDEXING, GOOD, {})
    assert await interviewer.analyze(bare, GOOD, {}) == expected


@pytest.mark.parametrize("answer", ["", "   ", "...!"])
async def test_an_empty_answer_scores_zero(answer: str) -> None:
    analysis = await interviewer.analyze(INDEXING, answer, {})
    assert analysis.score == 0 and not analysis.answered
    assert analysis.summary == "Nothing was answered."
    assert set(analysis.rubric.values()) == {0}


async def test_a_skipped_answer_scores_zero() -> None:
    analysis = await interviewer.analyze(INDEXING, GOOD, {SKIPPED: 1.0})
    assert analysis.score == 0 and not analysis.answered
    assert analysis.summary.startswith("Skipped")


async def test_a_thorough_answer_beats_a_vague_one() -> None:
    good = await interviewer.analyze(INDEXING, GOOD, {})
    vague = await interviewer.analyze(INDEXING, VAGUE, {})
    assert good.score >= 7 > 3 >= vague.score
    assert set(good.rubric) == {"coverage", "depth", "clarity"}
    assert good.strengths and vague.improvements
    assert "5 of 5" in good.summary


@settings(max_examples=150, deadline=None, database=None)
@given(st.text(max_size=400), st.lists(st.text(min_size=1, max_size=20), max_size=5))
def test_analysis_fields_are_in_range(answer: str, key_points: list[str]) -> None:
    question = PlannedQuestion("Q?", "x/y", tuple(key_points))
    analysis = asyncio.run(interviewer.analyze(question, answer, {}))
    assert 0 <= analysis.score <= 10
    assert all(0 <= v <= 10 for v in analysis.rubric.values())
    assert analysis.summary


async def test_coach() -> None:
    assert await interviewer.coach(INDEXING, VAGUE, {}) is None
    pace = await interviewer.coach(INDEXING, VAGUE, {"wpm": 210.0})
    assert pace is not None and (pace.kind, pace.level, pace.value) == ("pace", "warn", 210.0)
    long = await interviewer.coach(INDEXING, "index " * 300, {})
    assert long is not None and long.kind == "length"
    off_topic = await interviewer.coach(INDEXING, "the weather was lovely today " * 15, {})
    assert off_topic is not None and off_topic.kind == "relevance"


def analysis(score: float, answered: bool = True) -> AnswerAnalysis:
    return AnswerAnalysis(score, "", (), (), {"coverage": score}, answered)


async def test_report() -> None:
    spec = InterviewSpec("mixed", "Backend engineer", "mid", 3)
    results = [(INDEXING, analysis(8)), (INDEXING, analysis(4)), (INDEXING, analysis(0, False))]
    report = await interviewer.report(spec, results)
    assert report.score == 4
    assert report.metrics == {"answered": 2, "skipped": 1, "coverage": 6}
    assert "2 of 3" in report.summary
    empty = await interviewer.report(spec, [])
    assert (empty.score, empty.metrics["answered"]) == (0, 0)


def test_scores_are_validated() -> None:
    with pytest.raises(ValueError):
        analysis(11)
    with pytest.raises(ValueError):
        AnswerAnalysis(5, "", (), (), {"depth": float("nan")})
