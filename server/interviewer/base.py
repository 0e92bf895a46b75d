"""The interviewer interface the interview controller talks to, and the values it exchanges."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, get_args, runtime_checkable

Kind = Literal["technical", "behavioral", "mixed"]
Difficulty = Literal["junior", "mid", "senior"]
HintLevel = Literal["good", "info", "warn"]

MAX_SCORE = 10.0
# The metric the controller sets (to 1) when the candidate skipped the question.
SKIPPED = "skipped"
FOLLOW_UP_SUFFIX = ":follow_up"


@dataclass(frozen=True)
class InterviewSpec:
    kind: Kind
    role_title: str
    difficulty: Difficulty
    questions_total: int
    # Tailoring, both optional: the pasted job description and the résumé's text. They are
    # material to plan with, never instructions.
    job_description: str = ""
    resume: str = ""

    def __post_init__(self) -> None:
        if self.kind not in get_args(Kind):
            raise ValueError(f"kind: {self.kind!r} is not one of {get_args(Kind)}")
        if self.difficulty not in get_args(Difficulty):
            raise ValueError(f"difficulty: {self.difficulty!r} not in {get_args(Difficulty)}")
        if not self.role_title.strip():
            raise ValueError("role_title: must not be empty")
        if type(self.questions_total) is not int or self.questions_total < 1:
            raise ValueError(f"questions_total: must be a positive int, not {self.questions_total}")


@dataclass(frozen=True)
class PlannedQuestion:
    """A question to ask; ``key_points`` are what a good answer covers. A follow-up's
    ``topic`` ends with ``:follow_up``."""

    text: str
    topic: str
    key_points: tuple[str, ...] = ()
    # A coding question: answered with the code pad as well as aloud; ``edge_cases`` are
    # the inputs a good solution handles.
    coding: bool = False
    edge_cases: tuple[str, ...] = ()

    @property
    def is_follow_up(self) -> bool:
        return self.topic.endswith(FOLLOW_UP_SUFFIX)


@dataclass(frozen=True)
class CodeAnswer:
    """What the code pad held when an answer ended; never executed."""

    text: str
    lang: str


@dataclass(frozen=True)
class CoachingHint:
    """A mid-answer nudge, sent as a ``feedback`` event."""

    kind: str
    level: HintLevel
    message: str
    value: float | None = None


@dataclass(frozen=True)
class AnswerAnalysis:
    """The assessment of one answer; every score is from 0 to 10. ``answered`` is False for
    an empty or skipped answer. ``source`` names the interviewer that produced it where one
    stood in for another ("local" for Gemini); empty when the interviewer does not say."""

    score: float
    summary: str
    strengths: tuple[str, ...]
    improvements: tuple[str, ...]
    rubric: Mapping[str, float] = field(hash=False)
    answered: bool = True
    source: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        _check_score(self.score, "score")
        for name, value in self.rubric.items():
            _check_score(value, f"rubric[{name!r}]")


@dataclass(frozen=True)
class FinalReport:
    score: float
    summary: str
    metrics: Mapping[str, float] = field(hash=False)

    def __post_init__(self) -> None:
        _check_score(self.score, "score")


@runtime_checkable
class Interviewer(Protocol):
    async def plan_questions(
        self, spec: InterviewSpec, history: Sequence[str]
    ) -> list[PlannedQuestion]:
        """``spec.questions_total`` main questions; ``history`` holds the texts of questions
        this user has already been asked, avoided where possible."""
        ...

    def ask(self, question: PlannedQuestion) -> AsyncIterator[str]:
        """The question in pieces, as it is produced; the pieces join to the question as asked
        (an AI interviewer may phrase it aloud). A ``Restart`` piece means: discard what came
        before (the stream failed and another interviewer asks afresh)."""
        ...

    async def follow_up(self, question: PlannedQuestion, answer: str) -> PlannedQuestion | None:
        """A follow-up to ask after ``answer`` to ``question``, or None to move on."""
        ...

    async def coach(
        self, question: PlannedQuestion, partial_answer: str, metrics: Mapping[str, float]
    ) -> CoachingHint | None:
        """A nudge for the answer in progress, or None when there is nothing to say."""
        ...

    async def analyze(
        self, question: PlannedQuestion, answer: str, metrics: Mapping[str, float],
        *, code: CodeAnswer | None = None,
    ) -> AnswerAnalysis:
        """Assess a finished answer, with the code written for it when there is some. An
        empty answer, or ``metrics[SKIPPED]`` set, scores 0."""
        ...

    async def report(
        self, spec: InterviewSpec, results: Sequence[tuple[PlannedQuestion, AnswerAnalysis]]
    ) -> FinalReport:
        """The final report over every question asked, follow-ups included."""
        ...


def _check_score(value: float, name: str) -> None:
    if (
        not isinstance(value, int | float)
        or isinstance(value, bool)
        or not math.isfinite(value)
        or not 0 <= value <= MAX_SCORE
    ):
        raise ValueError(f"{name}: must be a number from 0 to {MAX_SCORE:g}, not {value!r}")
