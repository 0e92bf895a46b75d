from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.interviewer import (
    SKIPPED,
    AnswerAnalysis,
    Interviewer,
    InterviewSpec,
    PlannedQuestion,
    SimpleInterviewer,
)
from server.interviewer.bank import load_bank

interviewer = SimpleInterviewer()
INDEXING = load_bank().by_topic("databases/indexing").planned("x")  # type: ignore[union-attr]
MISTAKE = load_bank().by_topic("ownership/mistake").planned("x")  # type: ignore[union-attr]
GOOD = (
    "First I would read the query plan with EXPLAIN to see whether it scans the whole table. "
    "Then I would add a b-tree index on the selective columns, for example user_id and "
    "created_at. Indexes are not free: every insert pays a write overhead and the index takes "
    "storage, so at my last job we dropped 3 unused ones and cut write latency by 20%."
)
VAGUE = "I would make it faster somehow, maybe with better hardware."
TECHNICAL_RUBRIC = {"coverage", "correctness", "depth", "clarity", "relevance"}
STORY_RUBRIC = {"coverage", "structure", "depth", "clarity", "relevance"}


def test_it_is_an_interviewer_and_says_it_is_local() -> None:
    assert isinstance(interviewer, Interviewer)
    assert SimpleInterviewer.source == "local"


@pytest.mark.parametrize(
    "text",
    [INDEXING.text, "One", "one two three", "one two three four", "  spaced   out\ttext \n", ""],
)
async def test_ask_streams_the_text_in_word_groups(text: str) -> None:
    pieces = [p async for p in interviewer.ask(PlannedQuestion(text, "t"))]
    assert "".join(pieces) == text
    assert all(1 <= len(p.split()) <= 3 for p in pieces if p.strip())


async def test_key_points_come_from_the_bank_when_missing() -> None:
    bare = PlannedQuestion(INDEXING.text, INDEXING.topic)
    expected = await interviewer.analyze(INDEXING, GOOD, {})
    assert await interviewer.analyze(bare, GOOD, {}) == expected


async def test_a_question_from_the_log_is_found_by_its_text() -> None:
    # What the controller rebuilds when another process asked the question.
    logged = PlannedQuestion(INDEXING.text, "unknown")
    expected = await interviewer.analyze(INDEXING, GOOD, {})
    assert await interviewer.analyze(logged, GOOD, {}) == expected


@pytest.mark.parametrize("answer", ["", "   ", "...!"])
async def test_an_empty_answer_scores_zero(answer: str) -> None:
    analysis = await interviewer.analyze(INDEXING, answer, {})
    assert analysis.score == 0 and not analysis.answered
    assert analysis.summary == "Nothing was answered."
    assert set(analysis.rubric.values()) == {0}
    assert any("query plan" in i for i in analysis.improvements)


async def test_a_skipped_answer_scores_zero() -> None:
    analysis = await interviewer.analyze(INDEXING, GOOD, {SKIPPED: 1.0})
    assert analysis.score == 0 and not analysis.answered
    assert analysis.summary.startswith("Skipped")


async def test_a_thorough_answer_beats_a_vague_one() -> None:
    good = await interviewer.analyze(INDEXING, GOOD, {})
    vague = await interviewer.analyze(INDEXING, VAGUE, {})
    assert good.score >= 7
    assert vague.score <= 3
    assert set(good.rubric) == set(vague.rubric) == TECHNICAL_RUBRIC
    assert "5 of 5" in good.summary
    assert any("query plan" in s for s in good.strengths)
    assert any("20" in s for s in good.strengths)  # the numbers it gave
    assert any("query plan" in i for i in vague.improvements)
    assert any('"somehow"' in i for i in vague.improvements)


async def test_feedback_quotes_what_is_missing() -> None:
    partial = "I'd check the query plan with EXPLAIN and then add a b-tree index on the column."
    analysis = await interviewer.analyze(INDEXING, partial, {})
    assert "query plan" in analysis.summary and "write overhead" in analysis.summary
    assert any("write overhead" in i and "storage cost" in i for i in analysis.improvements)


async def test_stories_are_judged_on_their_structure() -> None:
    story = (
        "Last year I was responsible for a billing migration and I made a mistake: I tested "
        "it on old data. When it ran in production it failed and billing was down for 40 "
        "minutes. I told my manager at once, rolled it back and fixed the script. To prevent "
        "it I added a check to our checklist. Since then we had no failed migrations."
    )
    no_result = (
        "Last year I was responsible for a billing migration and I made a mistake: I tested "
        "it on old data. I told my manager at once and rolled it back."
    )
    team = (
        "We had a migration that went wrong. We looked into it, we rolled it back and we "
        "fixed it, and then we added more checks to our process so it was all fine after."
    )
    full = await interviewer.analyze(MISTAKE, story, {})
    assert set(full.rubric) == STORY_RUBRIC and full.rubric["structure"] >= 8
    assert any("complete story" in s for s in full.strengths)
    partial = await interviewer.analyze(MISTAKE, no_result, {})
    assert partial.rubric["structure"] < full.rubric["structure"]
    assert "result" in partial.summary
    assert any("result" in i for i in partial.improvements)
    we = await interviewer.analyze(MISTAKE, team, {})
    assert any('"we"' in i or "what you did" in i for i in we.improvements)


async def test_hedging_and_fillers_are_named() -> None:
    hedgy = (
        "Um, I guess I would maybe look at the query plan, probably, and uh add an index, "
        "I think maybe on the column, um, you know, I'm not sure, kind of depends."
    )
    analysis = await interviewer.analyze(INDEXING, hedgy, {})
    clean = await interviewer.analyze(
        INDEXING, "I would look at the query plan and add an index on the column.", {}
    )
    assert analysis.rubric["clarity"] < clean.rubric["clarity"]
    assert any("hedges" in i for i in analysis.improvements)
    assert any("filler" in i for i in analysis.improvements)


async def test_delivery_is_remarked_on_but_does_not_dominate() -> None:
    calm = {"wpm": 140.0, "fillers_per_100": 1.0, "eye_contact_share": 0.8}
    rushed = {"wpm": 230.0, "fillers_per_100": 12.0, "eye_contact_share": 0.1}
    good_calm = await interviewer.analyze(INDEXING, GOOD, calm)
    good_rushed = await interviewer.analyze(INDEXING, GOOD, rushed)
    vague_calm = await interviewer.analyze(INDEXING, VAGUE, calm)
    assert any("pace" in s for s in good_calm.strengths)
    assert any("Delivery: slow down" in i for i in good_rushed.improvements)
    assert any("eye contact" in i for i in good_rushed.improvements)
    assert 0 < good_calm.score - good_rushed.score <= 0.2
    assert good_rushed.score > vague_calm.score + 4
    assert await interviewer.analyze(INDEXING, GOOD, {}) == await interviewer.analyze(
        INDEXING, GOOD, {"unknown_metric": 3.0}
    )


async def test_analysis_is_deterministic() -> None:
    first = await interviewer.analyze(MISTAKE, GOOD + " " + VAGUE, {"wpm": 150.0})
    again = await SimpleInterviewer().analyze(MISTAKE, GOOD + " " + VAGUE, {"wpm": 150.0})
    assert first == again


@settings(max_examples=150, deadline=None, database=None)
@given(
    st.text(max_size=400),
    st.lists(st.text(min_size=1, max_size=20), max_size=5),
    st.sampled_from(["x/y", "databases/indexing", "ownership/mistake", "x/y:follow_up"]),
    st.dictionaries(
        st.sampled_from(["wpm", "fillers_per_100", "eye_contact_share"]),
        st.floats(min_value=0, max_value=1000),
    ),
)
def test_analysis_fields_are_in_range(
    answer: str, key_points: list[str], topic: str, metrics: dict[str, float]
) -> None:
    question = PlannedQuestion("Q?", topic, tuple(key_points))
    analysis = asyncio.run(interviewer.analyze(question, answer, metrics))
    assert 0 <= analysis.score <= 10
    assert all(0 <= v <= 10 for v in analysis.rubric.values())
    assert analysis.summary
    asyncio.run(interviewer.follow_up(question, answer))
    asyncio.run(interviewer.coach(question, answer, metrics))


async def test_coach() -> None:
    assert await interviewer.coach(INDEXING, VAGUE, {}) is None
    pace = await interviewer.coach(INDEXING, VAGUE, {"wpm": 210.0})
    assert pace is not None and (pace.kind, pace.level, pace.value) == ("pace", "warn", 210.0)
    long = await interviewer.coach(INDEXING, "index " * 300, {})
    assert long is not None and long.kind == "length"
    off_topic = await interviewer.coach(INDEXING, "the weather was lovely today " * 15, {})
    assert off_topic is not None and off_topic.kind == "relevance"
    assert "query plan" in off_topic.message
    habits = (
        "Mistakes happen to everyone, and when users are affected it is important to own the "
        "mistake, fix it quickly and learn the lesson. "
    ) * 6
    story = await interviewer.coach(MISTAKE, habits, {})
    assert story is not None and story.kind == "structure"


def analysis(score: float, answered: bool = True, **rubric: float) -> AnswerAnalysis:
    return AnswerAnalysis(score, "", (), (), {"coverage": score, **rubric}, answered)


async def test_report() -> None:
    spec = InterviewSpec("mixed", "Backend engineer", "mid", 3)
    results = [(INDEXING, analysis(8)), (INDEXING, analysis(4)), (INDEXING, analysis(0, False))]
    report = await interviewer.report(spec, results)
    assert report.score == 4
    assert report.metrics == {"answered": 2, "skipped": 1, "coverage": 6}
    assert "2 of 3" in report.summary
    empty = await interviewer.report(spec, [])
    assert (empty.score, empty.metrics["answered"]) == (0, 0)


async def test_the_report_names_the_strongest_and_weakest_criteria() -> None:
    spec = InterviewSpec("technical", "Backend engineer", "mid", 2)
    results = [
        (INDEXING, analysis(6, clarity=9, depth=3)),
        (INDEXING, analysis(8, clarity=7, depth=5)),
    ]
    report = await interviewer.report(spec, results)
    assert report.metrics["clarity"] == 8 and report.metrics["depth"] == 4
    assert "Strongest: clarity (8)" in report.summary and "depth (4)" in report.summary


def test_scores_are_validated() -> None:
    with pytest.raises(ValueError):
        analysis(11)
    with pytest.raises(ValueError):
        AnswerAnalysis(5, "", (), (), {"depth": float("nan")})
