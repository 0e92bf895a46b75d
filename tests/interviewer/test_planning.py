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


def spec(kind: Kind = "technical", level: Difficulty = "mid", total: int = 5) -> InterviewSpec:
    return InterviewSpec(kind, "Backend engineer", level, total)


def test_the_packaged_bank_is_large_enough() -> None:
    bank = load_bank()
    for kind in ("technical", "behavioral"):
        entries = [q for q in bank.questions if q.kind == kind]
        assert len(entries) >= 8
        assert len({q.area for q in entries}) >= 6
        for level in LEVELS:
            assert len(bank.pool(kind, level)) >= 6


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


async def test_role_title_fills_the_template() -> None:
    plan = await interviewer.plan_questions(spec("technical", "junior", 9), [])
    assert all("{role}" not in q.text for q in plan)
    assert any("Backend engineer" in q.text for q in plan)


@pytest.mark.parametrize("total", range(1, 21))
async def test_a_plan_never_repeats_a_question(total: int) -> None:
    for kind, level in itertools.product(KINDS, LEVELS):
        plan = await interviewer.plan_questions(spec(kind, level, total), [])
        assert len(plan) == total
        assert len({q.text for q in plan}) == total


async def test_numbered_variants_only_when_the_bank_runs_out() -> None:
    pool = len(load_bank().pool("behavioral", "junior"))
    plan = await interviewer.plan_questions(spec("behavioral", "junior", pool + 2), [])
    assert not any("(variant" in q.text for q in plan[:pool])
    assert [q.text for q in plan[pool:]] == [f"{q.text} (variant 2)" for q in plan[:2]]


async def test_a_plan_spreads_over_competencies() -> None:
    bank = load_bank()
    plan = await interviewer.plan_questions(spec("technical", "senior", 5), [])
    areas = [bank.by_topic(q.topic).area for q in plan]  # type: ignore[union-attr]
    assert len(set(areas)) == 5


async def test_questions_already_seen_come_last() -> None:
    first = await interviewer.plan_questions(spec("technical", "mid", 5), [])
    history = [q.text.upper() + "  " for q in first]  # case and spacing do not matter
    second = await interviewer.plan_questions(spec("technical", "mid", 5), history)
    assert not {q.text for q in first} & {q.text for q in second}
    pool = len(load_bank().pool("technical", "mid"))
    everything = await interviewer.plan_questions(spec("technical", "mid", pool), history)
    assert {q.text for q in everything[-5:]} == {q.text for q in first}


async def test_the_spec_seeds_the_order() -> None:
    plans = {
        tuple(q.topic for q in await interviewer.plan_questions(
            InterviewSpec("behavioral", role, "mid", 4), []
        ))
        for role in ("Backend engineer", "Data analyst", "Designer", "SRE", "Tester")
    }
    assert len(plans) > 1


def entry(**overrides: Any) -> dict[str, Any]:
    return {
        "topic": "a/b",
        "levels": ["junior", "mid", "senior"],
        "text": "Why?",
        "key_points": ["because"],
        "follow_up": "Really?",
    } | overrides


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"technical": [entry(levels=["expert"])], "behavioral": [entry(topic="c/d")]}, "levels"),
        ({"technical": [entry(key_points=[])], "behavioral": [entry(topic="c/d")]}, "key_points"),
        ({"technical": [entry(follow_up="As a {role}?")], "behavioral": [entry(topic="c/d")]},
         "follow-up"),
        ({"technical": [entry()], "behavioral": [entry()]}, "unique"),
        ({"technical": [entry(levels=["mid"])], "behavioral": [entry(topic="c/d")]}, "junior"),
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
