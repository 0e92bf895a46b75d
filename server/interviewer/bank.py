"""The curated question bank (``questions.json``) and how a plan is drawn from it."""

from __future__ import annotations

import functools
import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal, get_args

from .base import Difficulty, InterviewSpec, PlannedQuestion

BankKind = Literal["technical", "behavioral"]
ROLE = "{role}"


@dataclass(frozen=True)
class BankQuestion:
    kind: BankKind
    # Unique in the bank; the part before "/" is the competency a plan spreads over.
    topic: str
    levels: frozenset[Difficulty]
    text: str
    key_points: tuple[str, ...]
    follow_up: str

    @property
    def area(self) -> str:
        return self.topic.split("/", 1)[0]

    def planned(self, role_title: str, variant: int = 1) -> PlannedQuestion:
        text = self.text.replace(ROLE, role_title.strip())
        if variant > 1:
            text = f"{text} (variant {variant})"
        return PlannedQuestion(text, self.topic, self.key_points)


@dataclass(frozen=True)
class Bank:
    questions: tuple[BankQuestion, ...]

    def by_topic(self, topic: str) -> BankQuestion | None:
        for question in self.questions:
            if question.topic == topic:
                return question
        return None

    def pool(self, kind: BankKind, difficulty: Difficulty) -> tuple[BankQuestion, ...]:
        return tuple(q for q in self.questions if q.kind == kind and difficulty in q.levels)


@functools.cache
def load_bank() -> Bank:
    raw = json.loads(resources.files(__package__).joinpath("questions.json").read_text("utf-8"))
    return parse_bank(raw)


def parse_bank(raw: Mapping[str, Any]) -> Bank:
    questions: list[BankQuestion] = []
    for kind in get_args(BankKind):
        for i, item in enumerate(raw[kind]):
            levels = frozenset(item["levels"])
            where = f"{kind}[{i}]"
            if not levels or not levels <= set(get_args(Difficulty)):
                raise ValueError(f"{where}: levels must be some of {get_args(Difficulty)}")
            if ROLE in item["follow_up"]:
                raise ValueError(f"{where}: a follow-up is asked without the role at hand")
            key_points = tuple(item["key_points"])
            if not key_points or not all(isinstance(p, str) and p for p in key_points):
                raise ValueError(f"{where}: key_points must be non-empty strings")
            questions.append(
                BankQuestion(
                    kind, item["topic"], levels, item["text"], key_points, item["follow_up"]
                )
            )
    topics = Counter(q.topic for q in questions)
    if duplicates := [t for t, n in topics.items() if n > 1]:
        raise ValueError(f"topics must be unique: {duplicates}")
    bank = Bank(tuple(questions))
    for kind in get_args(BankKind):
        for level in get_args(Difficulty):
            if not bank.pool(kind, level):
                raise ValueError(f"no {kind} question for the {level} level")
    return bank


def plan(bank: Bank, spec: InterviewSpec, history: Sequence[str]) -> list[PlannedQuestion]:
    """``spec.questions_total`` questions of the spec's kind (mixed alternates, technical
    first) and level: unseen before seen, spread over competencies, in an order fixed by
    the spec. Numbered variants only when the bank runs out."""
    seed = f"{spec.kind}|{spec.role_title}|{spec.difficulty}|{spec.questions_total}"
    seen = {_normal(text) for text in history}
    if spec.kind == "mixed":
        kinds: list[BankKind] = [
            "technical" if i % 2 == 0 else "behavioral" for i in range(spec.questions_total)
        ]
    else:
        kinds = [spec.kind] * spec.questions_total
    drawn = {
        kind: _draw(bank.pool(kind, spec.difficulty), kinds.count(kind), spec, seen, seed)
        for kind in set(kinds)
    }
    return [drawn[kind].pop(0) for kind in kinds]


def _draw(
    pool: Sequence[BankQuestion],
    count: int,
    spec: InterviewSpec,
    seen: set[str],
    seed: str,
) -> list[PlannedQuestion]:
    order = _spread(pool, spec, seen, seed)
    if not order:
        return []
    return [
        order[i % len(order)].planned(spec.role_title, variant=i // len(order) + 1)
        for i in range(count)
    ]


def _spread(
    pool: Sequence[BankQuestion], spec: InterviewSpec, seen: set[str], seed: str
) -> list[BankQuestion]:
    """The pool in the order to ask it: each pick the unseen question whose competency has
    been used least so far, ties broken by a hash of the spec."""
    remaining = list(pool)
    used: Counter[str] = Counter()
    order: list[BankQuestion] = []
    while remaining:
        best = min(
            remaining,
            key=lambda q: (
                _normal(q.planned(spec.role_title).text) in seen,
                used[q.area],
                hashlib.sha256(f"{seed}|{q.topic}".encode()).hexdigest(),
            ),
        )
        remaining.remove(best)
        used[best.area] += 1
        order.append(best)
    return order


def _normal(text: str) -> str:
    return " ".join(text.lower().split())
