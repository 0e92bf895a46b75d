"""The curated question bank (the JSON files in ``questions/``) and how a plan is drawn
from it.

A question file holds ``{"kind": "technical" | "behavioral" | "situational", "questions":
[...]}`` (situational questions, "what would you do if...", are asked in behavioral
interviews). Each question has:

- ``topic``: unique, ``area/name``; the area is what role titles are matched to;
- ``competency``: what it assesses; a plan spreads over competencies;
- ``levels``: some of junior, mid, senior;
- ``text``: may hold ``{role}``, replaced by the role title;
- ``key_points``: what a good answer covers, each ``{"point", "keywords", "weight"}``
  (weight 1 to 3, default 1). A point is covered when any keyword occurs in the answer;
  see :class:`~server.interviewer.text.Keyword` for how words match ("measur" finds
  "measuring", "data" does not find "database");
- ``follow_ups``: ``{"missing": <a key point>, "text"}``, asked when that point is the
  heaviest one an answer missed;
- ``coding`` (optional, technical questions): answered in the code pad as well as aloud,
  with ``edge_cases``: ``{"case", "patterns", "keywords"}``, the inputs a good solution
  handles (see :class:`~server.interviewer.code_review.EdgeCase`).

``roles.json`` maps words in a role title to the areas to prefer for that role.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal, get_args

from .base import Difficulty, InterviewSpec, PlannedQuestion
from . import tailoring
from .code_review import EdgeCase
from .diversity import Candidate, order, salt_fraction
from .scoring import KeyPoint, Style
from .text import Keyword, Lexicon, keywords, normalize

BankKind = Literal["technical", "behavioral"]
ROLE = "{role}"
DATA_DIR = "questions"
ROLES_FILE = "roles.json"
MAX_WEIGHT = 3
# How much a question's fit to the role and level counts towards picking it.
PREFERRED_AREA = 0.5
LEVEL_SPECIFIC = 0.1
JITTER = 0.25
# A plan with at least this many technical questions includes a coding question.
MIN_SLOTS_FOR_CODING = 2
# A question naming a skill the job description asks for is preferred by this much.
SKILL_MATCH = 0.3
# With a résumé, one planned question in this many asks about it (at least one).
RESUME_SHARE = 4
STORY_AREAS = frozenset({"behavioral", "situational"})


@dataclass(frozen=True)
class BankQuestion:
    style: Style
    # Unique in the bank; the part before "/" is its area.
    topic: str
    competency: str
    levels: frozenset[Difficulty]
    text: str
    key_points: tuple[KeyPoint, ...]
    # (key point, the follow-up that asks for it)
    follow_ups: tuple[tuple[str, str], ...]
    coding: bool = False
    edge_cases: tuple[EdgeCase, ...] = ()

    @property
    def kind(self) -> BankKind:
        return "technical" if self.style == "technical" else "behavioral"

    @property
    def area(self) -> str:
        return self.topic.split("/", 1)[0]

    @property
    def point_names(self) -> tuple[str, ...]:
        return tuple(p.point for p in self.key_points)

    def point(self, name: str) -> KeyPoint | None:
        return next((p for p in self.key_points if p.point == name), None)

    def follow_up_for(self, point: str) -> str | None:
        return next((text for name, text in self.follow_ups if name == point), None)

    def text_for(self, role_title: str) -> str:
        return self.text.replace(ROLE, role_title.strip())

    def planned(self, role_title: str, variant: int = 1) -> PlannedQuestion:
        text = self.text_for(role_title)
        if variant > 1:
            text = f"{text} (variant {variant})"
        return PlannedQuestion(text, self.topic, self.point_names, coding=self.coding,
                               edge_cases=tuple(e.case for e in self.edge_cases))


@dataclass(frozen=True)
class RoleRule:
    match: tuple[Keyword, ...]
    areas: tuple[str, ...]


@dataclass(frozen=True)
class Bank:
    questions: tuple[BankQuestion, ...]
    roles: tuple[RoleRule, ...] = ()

    def by_topic(self, topic: str) -> BankQuestion | None:
        return self._topics.get(topic)

    def by_text(self, text: str) -> BankQuestion | None:
        """The question asked as ``text``, whatever role title filled it in."""
        asked = normalize(text)
        return next((q for q in self.questions if _template(q.text).fullmatch(asked)), None)

    def pool(self, kind: BankKind, difficulty: Difficulty) -> tuple[BankQuestion, ...]:
        return tuple(q for q in self.questions if q.kind == kind and difficulty in q.levels)

    def preferred_areas(self, role_title: str) -> tuple[str, ...]:
        title = normalize(role_title)
        found: list[str] = []
        for rule in self.roles:
            if any(k.found_in(title) for k in rule.match):
                found.extend(a for a in rule.areas if a not in found)
        return tuple(found)

    @functools.cached_property
    def _topics(self) -> dict[str, BankQuestion]:
        return {q.topic: q for q in self.questions}

    @functools.cached_property
    def lexicon(self) -> Lexicon:
        """Every word the bank uses, to tell words from noise in answers."""
        parts = [q.text for q in self.questions]
        parts += [k.phrase for q in self.questions for p in q.key_points for k in p.keywords]
        parts += [text for q in self.questions for _, text in q.follow_ups]
        return Lexicon.of(" ".join(parts))


@functools.cache
def _template(text: str) -> re.Pattern[str]:
    pieces = [normalize(piece) for piece in text.split(ROLE)]
    return re.compile(r"\s?.+?\s?".join(re.escape(p) for p in pieces))


@functools.cache
def load_bank() -> Bank:
    folder = resources.files(__package__).joinpath(DATA_DIR)
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".json")), key=lambda f: f.name)
    return parse_bank({f.name: json.loads(f.read_text("utf-8")) for f in files})


def parse_bank(sources: Mapping[str, Mapping[str, Any]]) -> Bank:
    """The bank from its files' contents, by file name; ValueError names what is wrong."""
    questions: list[BankQuestion] = []
    roles: list[RoleRule] = []
    for name, raw in sources.items():
        if name == ROLES_FILE:
            roles.extend(_role(rule, f"{name}[{i}]") for i, rule in enumerate(raw["roles"]))
            continue
        style = raw.get("kind")
        if style not in get_args(Style):
            raise ValueError(f"{name}: kind must be one of {get_args(Style)}, not {style!r}")
        for i, item in enumerate(raw["questions"]):
            questions.append(_question(item, style, f"{name}[{i}]"))
    topics = Counter(q.topic for q in questions)
    if duplicates := [t for t, n in topics.items() if n > 1]:
        raise ValueError(f"topics must be unique: {duplicates}")
    bank = Bank(tuple(questions), tuple(roles))
    for kind in get_args(BankKind):
        for level in get_args(Difficulty):
            if not bank.pool(kind, level):
                raise ValueError(f"no {kind} question for the {level} level")
    return bank


def _question(item: Mapping[str, Any], style: Style, where: str) -> BankQuestion:
    topic, competency, text = item.get("topic"), item.get("competency"), item.get("text")
    for field, value in (("topic", topic), ("competency", competency), ("text", text)):
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{where}: {field} must be a non-empty string")
    assert isinstance(topic, str) and isinstance(competency, str) and isinstance(text, str)
    if "/" not in topic:
        raise ValueError(f"{where}: topic must read area/name")
    levels = frozenset(item.get("levels", ()))
    if not levels or not levels <= set(get_args(Difficulty)):
        raise ValueError(f"{where}: levels must be some of {get_args(Difficulty)}")
    points = tuple(_key_point(p, f"{where}.key_points") for p in item.get("key_points", ()))
    names = [p.point for p in points]
    if not points or len(set(names)) != len(names):
        raise ValueError(f"{where}: key_points must be a non-empty list with distinct points")
    follow_ups: list[tuple[str, str]] = []
    for f in item.get("follow_ups", ()):
        missing, asked = f.get("missing"), f.get("text")
        if missing not in names:
            raise ValueError(f"{where}: a follow-up asks for {missing!r}, not a key point")
        if not isinstance(asked, str) or not asked.strip() or ROLE in asked:
            raise ValueError(f"{where}: a follow-up needs text, asked without the role at hand")
        follow_ups.append((missing, asked))
    coding = item.get("coding", False)
    if not isinstance(coding, bool) or (coding and style != "technical"):
        raise ValueError(f"{where}: coding must be true or false, and only on technical questions")
    edge_cases = tuple(_edge_case(e, f"{where}.edge_cases") for e in item.get("edge_cases", ()))
    if coding and not edge_cases:
        raise ValueError(f"{where}: a coding question lists its edge cases")
    return BankQuestion(style, topic, competency.strip(), levels, text, points, tuple(follow_ups),
                        coding, edge_cases)


def _edge_case(raw: Mapping[str, Any], where: str) -> EdgeCase:
    case, patterns, words = raw.get("case"), raw.get("patterns", []), raw.get("keywords", [])
    if not isinstance(case, str) or not case.strip():
        raise ValueError(f"{where}: an edge case needs its case")
    if not all(isinstance(x, str) for x in [*patterns, *words]) or not (patterns or words):
        raise ValueError(f"{where}: {case!r} needs patterns or keywords (strings)")
    try:
        compiled = tuple(re.compile(p, re.IGNORECASE) for p in patterns)
    except re.error as error:
        raise ValueError(f"{where}: {case!r} has a bad pattern: {error}") from None
    return EdgeCase(case, compiled, keywords(words))


def _key_point(raw: Mapping[str, Any], where: str) -> KeyPoint:
    point, words, weight = raw.get("point"), raw.get("keywords"), raw.get("weight", 1)
    if not isinstance(point, str) or not point.strip():
        raise ValueError(f"{where}: key_points need a non-empty point")
    if not isinstance(words, list) or not words or not all(isinstance(w, str) for w in words):
        raise ValueError(f"{where}: {point!r} needs a non-empty list of keywords")
    if type(weight) is not int or not 1 <= weight <= MAX_WEIGHT:
        raise ValueError(f"{where}: {point!r} weight must be an int from 1 to {MAX_WEIGHT}")
    return KeyPoint(point, keywords(words), weight)


def _role(raw: Mapping[str, Any], where: str) -> RoleRule:
    match, areas = raw.get("match"), raw.get("areas")
    if not match or not areas or not all(isinstance(x, str) for x in [*match, *areas]):
        raise ValueError(f"{where}: a role rule needs words to match and areas")
    return RoleRule(keywords(match), tuple(areas))


def plan(bank: Bank, spec: InterviewSpec, history: Sequence[str]) -> list[PlannedQuestion]:
    """``spec.questions_total`` questions of the spec's kind (mixed alternates, technical
    first) and level: unseen before seen, different competencies and no near-duplicates,
    areas that suit the role first, all fixed by the spec and the history. Numbered
    variants only when the bank runs out."""
    if spec.kind == "mixed":
        kinds: list[BankKind] = [
            "technical" if i % 2 == 0 else "behavioral" for i in range(spec.questions_total)
        ]
    else:
        kinds = [spec.kind] * spec.questions_total
    reqs = tailoring.requirements(spec.job_description) if spec.job_description.strip() else ()
    drawn = {kind: _draw(bank, kind, kinds.count(kind), spec, history, reqs)
             for kind in set(kinds)}
    if kinds.count("technical") >= MIN_SLOTS_FOR_CODING:
        drawn["technical"] = _with_coding(bank, drawn["technical"], spec, history)
    if reqs:
        areas = tailoring.preferred_areas(reqs)
        drawn = {kind: [tailoring.phrased_for(q, reqs, areas) for q in questions]
                 for kind, questions in drawn.items()}
    planned = [drawn[kind].pop(0) for kind in kinds]
    return _with_resume_questions(planned, spec, history)


def _with_resume_questions(
    planned: list[PlannedQuestion], spec: InterviewSpec, history: Sequence[str]
) -> list[PlannedQuestion]:
    """With a résumé, one question in four (at least one) asks about a concrete item of it,
    in place of the last story questions, else the last technical ones (never the coding one)."""
    if not spec.resume.strip():
        return planned
    seen = {normalize(text) for text in history}
    items = [i for n, i in enumerate(tailoring.resume_items(spec.resume), 1)
             if normalize(tailoring.resume_question(i, n).text) not in seen]
    wanted = min(len(items), max(1, spec.questions_total // RESUME_SHARE))
    stories = [i for i, q in enumerate(planned) if _is_story(q)]
    others = [i for i, q in enumerate(planned) if not _is_story(q) and not q.coding]
    slots = sorted((stories[::-1] + others[::-1])[:wanted])
    out = list(planned)
    for number, (slot, item) in enumerate(zip(slots, items), 1):
        out[slot] = tailoring.resume_question(item, number)
    return out


def _is_story(question: PlannedQuestion) -> bool:
    return question.topic.split("/", 1)[0] in STORY_AREAS or question.topic.startswith(
        "behavioral/")


def _with_coding(
    bank: Bank, drawn: list[PlannedQuestion], spec: InterviewSpec, history: Sequence[str]
) -> list[PlannedQuestion]:
    """A technical plan of two or more questions has a coding question: when none was drawn,
    the best-suited unseen one replaces the last question drawn."""
    if any(q.coding for q in drawn):
        return drawn
    seen = {normalize(text) for text in history}
    pool = [
        q for q in bank.pool("technical", spec.difficulty)
        if q.coding and normalize(q.text_for(spec.role_title)) not in seen
    ]
    if not pool:
        return drawn
    preferred = bank.preferred_areas(spec.role_title)
    salt = f"coding|{normalize(spec.role_title)}|{spec.difficulty}"
    best = max(pool, key=lambda q: (_relevance(q, preferred, spec.difficulty, salt), q.topic))
    return [*drawn[:-1], best.planned(spec.role_title)]


def _draw(
    bank: Bank, kind: BankKind, count: int, spec: InterviewSpec, history: Sequence[str],
    reqs: Sequence[tailoring.Requirement] = (),
) -> list[PlannedQuestion]:
    pool = bank.pool(kind, spec.difficulty)
    # The job's requirements come before the role title's areas.
    preferred = tuple(dict.fromkeys((*tailoring.preferred_areas(reqs),
                                     *bank.preferred_areas(spec.role_title))))
    salt = f"{spec.kind}|{normalize(spec.role_title)}|{spec.difficulty}|{spec.questions_total}"
    candidates = [
        Candidate(
            key=q.topic,
            text=q.text_for(spec.role_title),
            profile=" ".join([q.text_for(spec.role_title), *q.point_names]),
            group=q.competency,
            relevance=_relevance(q, preferred, spec.difficulty, salt) + _skill_fit(q, reqs),
        )
        for q in pool
    ]
    # Only as many as asked for, unless the pool runs out and variants must follow.
    limit = count if count <= len(candidates) else None
    ordered = [bank.by_topic(c.key) for c in order(candidates, history, salt, limit)]
    questions = [q for q in ordered if q is not None]
    return [
        questions[i % len(questions)].planned(spec.role_title, i // len(questions) + 1)
        for i in range(count)
    ]


def _skill_fit(question: BankQuestion, reqs: Sequence[tailoring.Requirement]) -> float:
    """A bonus for a question whose words name a skill the job requires."""
    if not reqs:
        return 0.0
    profile = normalize(" ".join([question.text, *(k.phrase for p in question.key_points
                                                   for k in p.keywords)]))
    return SKILL_MATCH if any(r.found_in(profile) for r in reqs) else 0.0


def _relevance(
    question: BankQuestion, preferred: Sequence[str], level: Difficulty, salt: str
) -> float:
    """How well a question suits the spec, from 0 to 1: its area's place among the role's
    preferred areas, whether it is meant for this level in particular, and a little
    spec-seeded jitter so that equally good questions take turns."""
    score = 0.0
    if question.area in preferred:
        score += PREFERRED_AREA * (1 - preferred.index(question.area) / (2 * len(preferred)))
    if question.levels == {level}:
        score += LEVEL_SPECIFIC
    return score + JITTER * salt_fraction(salt, question.topic)
