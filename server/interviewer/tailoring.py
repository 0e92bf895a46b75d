"""Tailoring an interview to a job: the key requirements of a job description, the concrete
items of a résumé worth asking about, and how well answers covered the requirements. Pure and
deterministic: the local interviewer plans with it, and every report uses its coverage."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .base import PlannedQuestion
from .skills import Skill, known_skills
from .text import normalize

MAX_REQUIREMENTS = 12
MAX_RESUME_ITEMS = 8
MAX_ITEM_CHARS = 160
MIN_ITEM_WORDS = 4
# A requirement counts as covered when an answer about it scored at least this.
COVERED_SCORE = 6.0
Status = Literal["covered", "partly", "not"]

ACTION = re.compile(
    r"\b(led|lead|leading|built|build|building|migrated|migrating|migration|moved|ported|"
    r"upgraded|rewrote|rewritten|replaced|designed|architected|implemented|introduced|"
    r"created|developed|launched|shipped|scaled|automated|reduced|cut|improved|increased|"
    r"optimi[sz]ed|sped|mentored|managed|owned|founded|delivered|integrated|refactored)\b",
    re.IGNORECASE,
)
PROBES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(migrat\w*|moved|ported|upgraded|rewr\w*|replaced|refactored)\b", re.I),
     "What went wrong along the way, and how did you handle it?"),
    (re.compile(r"\b(reduced|cut|improved|increased|optimi[sz]ed|sped|scaled)\b", re.I),
     "How did you measure that, and what exactly did you change to get there?"),
    (re.compile(r"\b(led|lead|leading|managed|mentored|owned|founded)\b", re.I),
     "What was your own part in it, and what was the hardest call you had to make?"),
)
DEFAULT_PROBE = "What was the hardest decision in it, and what would you do differently today?"
BULLET = re.compile(r"^\s*(?:[-*•·▪‣◦–]|\d+[.)])\s*")
SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")


@dataclass(frozen=True)
class Requirement:
    """A key requirement of the job: a known skill the description asks for."""

    name: str
    skill: Skill
    mentions: int
    first_at: int

    def found_in(self, normalized: str) -> bool:
        return any(k.found_in(normalized) for k in self.skill.words)


@dataclass(frozen=True)
class ResumeItem:
    """One concrete line of a résumé: what the candidate did, with the skills it names."""

    text: str
    skills: tuple[str, ...]


@dataclass(frozen=True)
class RequirementCoverage:
    name: str
    status: Status
    qids: tuple[str, ...]  # the answers that spoke to it


@dataclass(frozen=True)
class AnswerEvidence:
    """What an answer offers as evidence: its transcript, its code and its score."""

    qid: str
    text: str
    score: float


def requirements(job_description: str) -> tuple[Requirement, ...]:
    """The skills a job description asks for, most mentioned first (then by first mention),
    at most ``MAX_REQUIREMENTS``."""
    text = normalize(job_description)
    found: list[Requirement] = []
    for skill in known_skills():
        positions = [m.start() for k in skill.words for m in k.pattern.finditer(text)]
        if positions:
            found.append(Requirement(skill.name, skill, len(positions), min(positions)))
    found.sort(key=lambda r: (-r.mentions, r.first_at, r.name))
    return tuple(found[:MAX_REQUIREMENTS])


def compile_skill_patterns() -> None:
    """Compile what :func:`requirements` matches a job description against (about 0.2 s
    of CPU, otherwise spent inside the first request that sends one)."""
    for skill in known_skills():
        for keyword in skill.words:
            keyword.pattern  # noqa: B018 (compiled and cached on first use)


def preferred_areas(reqs: Sequence[Requirement]) -> tuple[str, ...]:
    """The bank areas that exercise the requirements, the most important first."""
    out: list[str] = []
    for req in reqs:
        out.extend(a for a in req.skill.areas if a not in out)
    return tuple(out)


def resume_items(resume: str) -> tuple[ResumeItem, ...]:
    """The résumé's lines (bullets or sentences) that say what the candidate did, with a
    named skill or a number; those naming skills first, in résumé order."""
    items: list[ResumeItem] = []
    seen: set[str] = set()
    for raw_line in resume.splitlines():
        line = BULLET.sub("", raw_line).strip()
        for sentence in SENTENCE_END.split(line):
            sentence = " ".join(sentence.split()).rstrip(" .;")
            if len(sentence.split()) < MIN_ITEM_WORDS or not ACTION.search(sentence):
                continue
            normalized = normalize(sentence)
            skills = tuple(s.name for s in known_skills()
                           if any(k.found_in(normalized) for k in s.words))
            if not skills and not re.search(r"\d", sentence):
                continue
            if normalized in seen:
                continue
            seen.add(normalized)
            items.append(ResumeItem(_clip(sentence), skills))
    items.sort(key=lambda item: not item.skills)  # stable: résumé order within each group
    return tuple(items[:MAX_RESUME_ITEMS])


def resume_question(item: ResumeItem, number: int) -> PlannedQuestion:
    """A question about one résumé item, asked as a story (judged on its STAR parts)."""
    probe = next((text for pattern, text in PROBES if pattern.search(item.text)), DEFAULT_PROBE)
    text = f'Your résumé says: "{item.text}". {probe}'
    points = ("the situation", "your own actions", "the result", *item.skills[:2])
    return PlannedQuestion(text, f"behavioral/resume-{number}", points)


def phrased_for(question: PlannedQuestion, reqs: Sequence[Requirement],
                areas: Sequence[str]) -> PlannedQuestion:
    """A bank question phrased for the job: it names the required skills of its area that
    it does not mention already."""
    area = question.topic.split("/", 1)[0]
    asked = normalize(question.text)
    names = [r.name for r in reqs if area in r.skill.areas and not r.found_in(asked)][:2]
    if not names or area not in areas:
        return question
    listed = " and ".join(names)
    text = f"{question.text} This role works with {listed}: draw on it where it fits."
    return PlannedQuestion(text, question.topic, question.key_points, coding=question.coding,
                           edge_cases=question.edge_cases)


def coverage(reqs: Sequence[Requirement],
             answers: Sequence[AnswerEvidence]) -> tuple[RequirementCoverage, ...]:
    """Per requirement: ``covered`` when an answer that speaks to it scored at least
    ``COVERED_SCORE``, ``partly`` when only weaker answers touch it, ``not`` when none does."""
    texts = [(a, normalize(a.text)) for a in answers]
    out: list[RequirementCoverage] = []
    for req in reqs:
        touching = [a for a, text in texts if text and req.found_in(text)]
        if not touching:
            status: Status = "not"
        elif any(a.score >= COVERED_SCORE for a in touching):
            status = "covered"
        else:
            status = "partly"
        out.append(RequirementCoverage(req.name, status, tuple(a.qid for a in touching)))
    return tuple(out)


def coverage_share(rows: Sequence[RequirementCoverage]) -> float:
    """Covered counts 1, partly ½; 0 to 1 (0 without requirements)."""
    if not rows:
        return 0.0
    points = sum(1.0 if r.status == "covered" else 0.5 if r.status == "partly" else 0.0
                 for r in rows)
    return round(points / len(rows), 2)


def _clip(text: str) -> str:
    if len(text) <= MAX_ITEM_CHARS:
        return text
    return text[:MAX_ITEM_CHARS].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
