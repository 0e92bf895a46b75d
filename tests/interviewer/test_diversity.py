"""Plans measured over many specs and histories: no near-duplicates, competencies spread,
nothing the user has seen while the bank has unseen questions, the same plan each time."""

from __future__ import annotations

import itertools
import random

import pytest

from server.interviewer import InterviewSpec, SimpleInterviewer
from server.interviewer.bank import BankQuestion, load_bank
from server.interviewer.base import Difficulty, Kind
from server.interviewer.diversity import (
    NEAR_DUPLICATE,
    Candidate,
    TfIdf,
    cosine,
    order,
    similarities,
)
from server.interviewer.text import content_stems

PLANS = 200
# Plain token-set overlap, a second measure that knows nothing of the weighting.
MAX_JACCARD = 0.5
ROLES = [
    "Backend engineer", "Frontend developer", "Data analyst", "SRE", "Go developer",
    "Engineering manager", "Full stack developer", "QA engineer", "Java developer",
    "Product designer", "Machine learning engineer", "Security engineer", "Intern",
    "Staff engineer", "Python developer", "Mobile developer",
]
BANK = load_bank()
interviewer = SimpleInterviewer()


def cases() -> list[tuple[InterviewSpec, list[str]]]:
    rng = random.Random(2024)  # a fixed list of cases, not global randomness
    out = []
    for _ in range(PLANS):
        kind: Kind = rng.choice(["technical", "behavioral", "mixed"])
        level: Difficulty = rng.choice(["junior", "mid", "senior"])
        role = rng.choice(ROLES)
        total = rng.randint(2, 8)
        kinds = ["technical", "behavioral"] if kind == "mixed" else [kind]
        pool = [q for k in kinds for q in BANK.pool(k, level)]  # type: ignore[arg-type]
        seen = rng.sample(pool, rng.randint(0, min(15, len(pool) - 2 * total)))
        out.append((InterviewSpec(kind, role, level, total), [q.text_for(role) for q in seen]))
    return out


CASES = cases()


def entries(plan: list) -> list[BankQuestion]:  # type: ignore[type-arg]
    found = [BANK.by_topic(q.topic) for q in plan]
    assert all(found)
    return found  # type: ignore[return-value]


async def test_plans_have_no_near_duplicates() -> None:
    worst_cosine = worst_jaccard = 0.0
    for spec, history in CASES:
        plan = await interviewer.plan_questions(spec, history)
        texts = [q.text for q in plan]
        sims = similarities(texts)
        stems = [content_stems(t) for t in texts]
        for i, j in itertools.combinations(range(len(texts)), 2):
            worst_cosine = max(worst_cosine, sims[i][j])
            worst_jaccard = max(worst_jaccard, len(stems[i] & stems[j]) / len(stems[i] | stems[j]))
    assert worst_cosine < NEAR_DUPLICATE
    assert worst_jaccard <= MAX_JACCARD


async def test_plans_spread_over_competencies() -> None:
    for spec, history in CASES:
        plan = entries(await interviewer.plan_questions(spec, history))
        seen = set(history)
        for kind in {q.kind for q in plan}:
            asked = [q for q in plan if q.kind == kind]
            unseen = [q for q in BANK.pool(kind, spec.difficulty) if q.text_for(spec.role_title) not in seen]
            available = len({q.competency for q in unseen})
            assert len({q.competency for q in asked}) >= min(len(asked), available), spec


async def test_plans_avoid_the_history_while_the_bank_allows() -> None:
    for spec, history in CASES:
        plan = await interviewer.plan_questions(spec, history)
        assert not {q.text for q in plan} & set(history), spec


async def test_plans_are_deterministic_per_spec_and_history() -> None:
    other = SimpleInterviewer()
    for spec, history in CASES[:50]:
        assert await interviewer.plan_questions(spec, history) == await other.plan_questions(
            spec, history
        )
        assert await interviewer.plan_questions(spec, list(history)) == await other.plan_questions(
            spec, tuple(history)
        )


async def test_the_history_changes_the_plan() -> None:
    spec = InterviewSpec("technical", "Backend engineer", "mid", 5)
    first = await interviewer.plan_questions(spec, [])
    second = await interviewer.plan_questions(spec, [q.text for q in first])
    third = await interviewer.plan_questions(spec, [q.text for q in first + second])
    assert len({q.topic for q in first + second + third}) == 15


def candidate(key: str, text: str, group: str, relevance: float = 0.5) -> Candidate:
    return Candidate(key, text, text, group, relevance)


def test_order_prefers_new_groups_then_relevance_and_keeps_duplicates_apart() -> None:
    candidates = [
        candidate("a", "How do hash maps resolve collisions?", "algorithms", 0.9),
        candidate("b", "How do hash maps resolve key collisions internally?", "algorithms", 0.8),
        candidate("c", "Design a chat backend with message history.", "design", 0.1),
        candidate("d", "How do you size a thread pool?", "concurrency", 0.2),
    ]
    ordered = [c.key for c in order(candidates, [], "salt")]
    assert ordered[0] == "a"
    assert set(ordered[1:3]) == {"c", "d"}
    assert ordered[3] == "b"  # a near-duplicate of "a" comes last
    assert [c.key for c in order(candidates, [], "salt", limit=2)] == ordered[:2]
    # Seen, and seen in other words: both go last.
    seen = [c.key for c in order(candidates, ["how do hash maps resolve collisions?"], "salt")]
    assert set(seen[2:]) == {"a", "b"}


def test_similarity() -> None:
    model = TfIdf(["How do indexes work?", "What is a closure?", "Design a cache."])
    same = cosine(model.vector("How do indexes work?"), model.vector("how do INDEXES work"))
    assert same == pytest.approx(1.0)
    assert cosine(model.vector("How do indexes work?"), model.vector("What is a closure?")) == 0
    assert cosine(model.vector(""), model.vector("anything")) == 0
