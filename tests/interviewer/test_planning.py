from __future__ import annotations

import itertools
from typing import Any

import pytest

from server.interviewer import InterviewSpec, SimpleInterviewer
from server.interviewer.bank import load_bank, parse_bank
from server.interviewer.base import Difficulty, Kind

KINDS: list[Kind] = ["technical", "behavioral", "mixed"]
LEVELS: list[Difficulty] = ["junior", "mid", "senior"]
interviewer = SimpleInterviewer()


def spec(
    kind: Kind = "technical", level: Difficulty = "mid", total: int = 5,
    role: str = "Backend engineer",
) -> InterviewSpec:
    return InterviewSpec(kind, role, level, total)


async def test_plans_are_deterministic() -> None:
    for kind, level in itertools.product(KINDS, LEVELS):
        first = await interviewer.plan_questions(spec(kind, level, 6), ["something"])
        again = await SimpleInterviewer().plan_questions(spec(kind, level, 6), ["something"])
        assert first == again


async def test_kinds_and_levels_are_respected() -> None:
    bank = load_bank()
    for kind, level in itertools.product(KINDS, LEVELS):
        plan = await interviewer.plan_questions(spec(kind, level, 6), [])
        entries = [bank.by_topic(q.topic) for q in plan]
        assert all(e is not None and level in e.levels for e in entries)
        kinds = [e.kind for e in entries if e is not None]
        if kind == "mixed":
            assert kinds == ["technical", "behavioral"] * 3
        else:
            assert set(kinds) == {kind}


async def test_planned_questions_carry_their_key_points() -> None:
    bank = load_bank()
    for q in await interviewer.plan_questions(spec("mixed", "mid", 4), []):
        entry = bank.by_topic(q.topic)
        assert entry is not None and q.key_points == entry.point_names


async def test_role_title_fills_the_template() -> None:
    bank = load_bank()
    templated = next(q for q in bank.pool("technical", "junior") if "{role}" in q.text)
    pool = len(bank.pool("technical", "junior"))
    plan = await interviewer.plan_questions(spec("technical", "junior", pool), [])
    assert all("{role}" not in q.text for q in plan)
    asked = next(q for q in plan if q.topic == templated.topic)
    assert "Backend engineer" in asked.text


@pytest.mark.parametrize("total", range(1, 21))
async def test_a_plan_never_repeats_a_question(total: int) -> None:
    for kind, level in itertools.product(KINDS, LEVELS):
        plan = await interviewer.plan_questions(spec(kind, level, total), [])
        assert len(plan) == total
        assert len({q.text for q in plan}) == total


async def test_numbered_variants_only_when_the_bank_runs_out() -> None:
    pool = len(load_bank().pool("behavioral", "senior"))
    plan = await interviewer.plan_questions(spec("behavioral", "senior", pool + 2), [])
    assert not any("(variant" in q.text for q in plan[:pool])
    assert [q.text for q in plan[pool:]] == [f"{q.text} (variant 2)" for q in plan[:2]]


async def test_a_plan_spreads_over_competencies() -> None:
    bank = load_bank()
    for kind, level in itertools.product(("technical", "behavioral"), LEVELS):
        plan = await interviewer.plan_questions(spec(kind, level, 6), [])  # type: ignore[arg-type]
        competencies = {bank.by_topic(q.topic).competency for q in plan}  # type: ignore[union-attr]
        assert len(competencies) == 6


async def test_questions_already_seen_come_last() -> None:
    first = await interviewer.plan_questions(spec("technical", "mid", 5), [])
    history = [q.text.upper() + "  " for q in first]  # case and spacing do not matter
    second = await interviewer.plan_questions(spec("technical", "mid", 5), history)
    assert not {q.text for q in first} & {q.text for q in second}
    pool = len(load_bank().pool("technical", "mid"))
    everything = await interviewer.plan_questions(spec("technical", "mid", pool), history)
    assert {q.text for q in everything[-5:]} == {q.text for q in first}


async def test_a_question_seen_in_other_words_is_avoided() -> None:
    bank = load_bank()
    first = await interviewer.plan_questions(spec("technical", "mid", 1, "Platform engineer"), [])
    entry = bank.by_topic(first[0].topic)
    assert entry is not None
    # The same question as another interviewer might have put it.
    paraphrase = f"{entry.text_for('Platform engineer')} Please be specific."
    second = await interviewer.plan_questions(
        spec("technical", "mid", 1, "Platform engineer"), [paraphrase]
    )
    assert second[0].topic != entry.topic


async def test_the_spec_seeds_the_order() -> None:
    plans = {
        tuple(q.topic for q in await interviewer.plan_questions(
            InterviewSpec("behavioral", role, "mid", 4), []
        ))
        for role in ("Backend engineer", "Data analyst", "Designer", "SRE", "Tester")
    }
    assert len(plans) > 1


@pytest.mark.parametrize(
    ("role", "areas"),
    [
        ("Frontend developer", {"javascript", "web"}),
        ("Senior Backend Engineer", {"system-design", "databases"}),
        ("Data analyst", {"data", "databases"}),
        ("Go developer", {"go"}),
        ("Site reliability engineer (SRE)", {"devops", "debugging"}),
    ],
)
async def test_technical_plans_suit_the_role(role: str, areas: set[str]) -> None:
    bank = load_bank()
    for level in ("mid", "senior"):
        plan = await interviewer.plan_questions(
            spec("technical", level, 4, role), []  # type: ignore[arg-type]
        )
        asked = {bank.by_topic(q.topic).area for q in plan}  # type: ignore[union-attr]
        assert areas <= asked, (role, level, asked)


async def test_leads_get_leadership_stories() -> None:
    bank = load_bank()
    plan = await interviewer.plan_questions(spec("behavioral", "senior", 3, "Engineering manager"), [])
    areas = {bank.by_topic(q.topic).area for q in plan}  # type: ignore[union-attr]
    assert areas & {"leadership", "mentoring", "strategy", "priorities"}


def question(**overrides: Any) -> dict[str, Any]:
    return {
        "topic": "a/b",
        "competency": "a",
        "levels": ["junior", "mid", "senior"],
        "text": "Why?",
        "key_points": [{"point": "reason", "keywords": ["because"], "weight": 2}],
        "follow_ups": [{"missing": "reason", "text": "Really?"}],
    } | overrides


def bank_of(technical: dict[str, Any], behavioral: dict[str, Any] | None = None) -> dict[str, Any]:
    other = behavioral if behavioral is not None else question(topic="c/d")
    return {
        "t.json": {"kind": "technical", "questions": [technical]},
        "b.json": {"kind": "behavioral", "questions": [other]},
    }


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (bank_of(question(levels=["expert"])), "levels"),
        (bank_of(question(key_points=[])), "key_points"),
        (bank_of(question(key_points=[{"point": "x", "keywords": []}])), "keywords"),
        (bank_of(question(key_points=[{"point": "x", "keywords": ["y"], "weight": 9}])), "weight"),
        (bank_of(question(follow_ups=[{"missing": "nothing", "text": "Hm?"}])), "not a key point"),
        (bank_of(question(follow_ups=[{"missing": "reason", "text": "As a {role}?"}])), "role"),
        (bank_of(question(topic="nocategory")), "area/name"),
        (bank_of(question(competency=" ")), "competency"),
        (bank_of(question(), question()), "unique"),
        (bank_of(question(levels=["mid"])), "junior"),
        ({"x.json": {"kind": "casual", "questions": []}}, "kind"),
        ({**bank_of(question()), "roles.json": {"roles": [{"match": [], "areas": ["a"]}]}},
         "role rule"),
    ],
)
def test_a_broken_bank_is_refused(raw: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_bank(raw)


@pytest.mark.parametrize(
    "args",
    [
        ("casual", "x", "mid", 1),
        ("technical", "x", "expert", 1),
        ("technical", " ", "mid", 1),
        ("technical", "x", "mid", 0),
        ("technical", "x", "mid", True),
    ],
)
def test_a_spec_is_validated(args: tuple[Any, ...]) -> None:
    with pytest.raises(ValueError):
        InterviewSpec(*args)
