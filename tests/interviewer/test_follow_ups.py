"""Follow-ups ask for what the answer lacks: the heaviest missing key point, or for a story
the missing STAR part; none after a follow-up or an answer that covers most points."""

from __future__ import annotations

import random

import pytest

from server.interviewer import PlannedQuestion, SimpleInterviewer
from server.interviewer.bank import BankQuestion, load_bank
from server.interviewer.scoring import assess

interviewer = SimpleInterviewer()
BANK = load_bank()


def asked(topic: str) -> PlannedQuestion:
    entry = BANK.by_topic(topic)
    assert entry is not None
    return entry.planned("Backend engineer")


def mentioning(entry: BankQuestion, points: list[str]) -> str:
    """An answer that names the first keyword of each of ``points``."""
    said = [entry.point(p).keywords[0].phrase for p in points]  # type: ignore[union-attr]
    return " ".join(f"I would think about {phrase} here." for phrase in said)


async def test_a_vague_answer_is_asked_for_its_heaviest_missing_point() -> None:
    question = asked("databases/indexing")
    follow = await interviewer.follow_up(question, "I would make it faster, maybe with better hardware.")
    assert follow is not None and follow.is_follow_up
    assert follow.topic == "databases/indexing:follow_up"
    assert follow.key_points == ("query plan",)
    entry = BANK.by_topic("databases/indexing")
    assert entry is not None and follow.text == entry.follow_up_for("query plan")


async def test_the_follow_up_moves_on_to_the_next_missing_point() -> None:
    question = asked("databases/indexing")
    answer = "I would check the query plan and add a b-tree index."
    follow = await interviewer.follow_up(question, answer)
    assert follow is not None and follow.key_points == ("write overhead",)
    assert "cost" in follow.text


async def test_no_follow_up_when_most_points_are_covered() -> None:
    question = asked("databases/indexing")
    answer = (
        "I'd read the query plan with EXPLAIN, add a b-tree index on the filtered columns, and "
        "keep in mind that every insert then has a write overhead."
    )
    assert await interviewer.follow_up(question, answer) is None


async def test_never_a_follow_up_to_a_follow_up() -> None:
    question = asked("databases/indexing")
    follow = await interviewer.follow_up(question, "No idea.")
    assert follow is not None
    assert await interviewer.follow_up(follow, "No idea.") is None


@pytest.mark.parametrize("answer", ["", "   ", "sdkfjh qwpeoir zxmcnb lkjhsdf poiuwer mnbvcxz"])
async def test_nothing_to_follow_up_on(answer: str) -> None:
    assert await interviewer.follow_up(asked("databases/indexing"), answer) is None


async def test_a_story_without_a_result_is_asked_for_it() -> None:
    story = (
        "At my last job I broke the nightly import: I had changed the date format and forgot "
        "that the import parsed it. I told my manager and I reverted the change that morning."
    )
    follow = await interviewer.follow_up(asked("ownership/mistake"), story)
    assert follow is not None
    assert follow.text == "What was the result, ideally in numbers?"
    assert follow.key_points == ("the result",)


async def test_a_story_without_actions_is_asked_for_them() -> None:
    habits = "I always try to be honest about mistakes and I usually fix them quickly."
    follow = await interviewer.follow_up(asked("ownership/mistake"), habits)
    assert follow is not None and follow.key_points == ("your own actions",)
    assert "yourself" in follow.text


async def test_a_team_story_is_asked_for_the_candidates_own_part() -> None:
    story = (
        "Our team shipped a bug that broke checkout. We noticed it in the dashboards, we rolled "
        "back, we fixed the query and we added tests. In the end I helped a bit too and we "
        "cut similar incidents by half."
    )
    follow = await interviewer.follow_up(asked("ownership/mistake"), story)
    assert follow is not None and '"we"' in follow.text
    assert follow.key_points == ("your own actions",)


async def test_a_plan_without_a_measure_of_success_is_asked_for_one() -> None:
    plan = (
        "I would ask the stakeholder how urgent it is and what the impact would be, then I'd "
        "go to my manager, who sets the priorities, and tell them what would slip."
    )
    follow = await interviewer.follow_up(asked("priorities/urgent-request"), plan)
    assert follow is not None
    assert follow.text == "How would you know that it had worked?"


async def test_a_complete_story_that_misses_key_points_gets_a_key_point_follow_up() -> None:
    story = (
        "Last year at my previous company I was responsible for a release, and I made a "
        "mistake: I forgot to run the migration. I wrote a note in the channel straight "
        "away. In the end we shipped two hours late."
    )
    follow = await interviewer.follow_up(asked("ownership/mistake"), story)
    assert follow is not None
    entry = BANK.by_topic("ownership/mistake")
    assert entry is not None
    missing = {p.point for p in entry.key_points} - {"owning the mistake"}
    (point,) = follow.key_points
    assert point in missing and entry.point(point).weight == 2  # type: ignore[union-attr]


async def test_questions_from_elsewhere_get_a_follow_up_from_their_key_points() -> None:
    other = PlannedQuestion(
        "How would you design a notification service?", "other/notifications",
        ("delivery retries", "user preferences"),
    )
    follow = await interviewer.follow_up(other, "I would send emails with a cron job.")
    assert follow is not None and follow.topic == "other/notifications:follow_up"
    assert follow.key_points == ("delivery retries",)
    assert "delivery retries" in follow.text
    bare = PlannedQuestion("Hello?", "instructor")
    assert await interviewer.follow_up(bare, "") is None
    assert await interviewer.follow_up(bare, "Hello to you too.") is None


async def test_a_story_from_elsewhere_is_followed_up_as_a_story() -> None:
    other = PlannedQuestion("Tell me about a time you helped a customer.", "behavioral/help")
    follow = await interviewer.follow_up(other, "I like helping customers in general.")
    assert follow is not None and follow.key_points == ("your own actions",)


async def test_answering_the_follow_up_is_judged_on_what_it_asked() -> None:
    question = asked("databases/indexing")
    follow = await interviewer.follow_up(question, "I'd add an index.")
    assert follow is not None and follow.key_points == ("query plan",)
    good = await interviewer.analyze(
        follow, "I'd run EXPLAIN ANALYZE and check the plan uses an index scan, not a seq scan.", {}
    )
    poor = await interviewer.analyze(follow, "I would just trust it.", {})
    assert good.rubric["coverage"] == 10 and good.score > poor.score + 3


@pytest.mark.parametrize(
    "entry", [q for q in BANK.questions if q.style == "technical"], ids=lambda q: q.topic
)
async def test_the_follow_up_targets_the_heaviest_missing_point(entry: BankQuestion) -> None:
    """For answers covering random subsets of the points, a follow-up asks for a missing
    point of the greatest missing weight, in the bank's words when it has them."""
    rng = random.Random(entry.topic)  # a fixed sequence per question
    question = entry.planned("Backend engineer")
    for _ in range(8):
        names = [p.point for p in entry.key_points if rng.random() < 0.5]
        answer = mentioning(entry, names) or "I am not sure."
        result = assess(answer, question.text, entry.key_points, "technical")
        follow = await interviewer.follow_up(question, answer)
        if result.coverage_share >= 0.6:
            assert follow is None
            continue
        assert follow is not None
        (point,) = follow.key_points
        missing = {p.point: p.weight for p in result.missing}
        assert missing[point] == max(missing.values())
        assert follow.text == (entry.follow_up_for(point) or follow.text)
        assert "{" not in follow.text


@pytest.mark.parametrize(
    "entry", [q for q in BANK.questions if q.style != "technical"], ids=lambda q: q.topic
)
async def test_a_vague_story_is_asked_what_the_candidate_did(entry: BankQuestion) -> None:
    follow = await interviewer.follow_up(
        entry.planned("Backend engineer"), "I think that communication is really important."
    )
    assert follow is not None and follow.key_points == ("your own actions",)


async def test_follow_ups_are_deterministic() -> None:
    for entry in BANK.questions:
        question = entry.planned("Data engineer")
        answer = "I would look into it and talk to people."
        assert await interviewer.follow_up(question, answer) == await SimpleInterviewer().follow_up(
            question, answer
        )
