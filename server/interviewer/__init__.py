"""The AI side of an interview: the :class:`Interviewer` interface the controller uses and
:class:`SimpleInterviewer`, a deterministic offline implementation over a question bank."""

from .base import (
    SKIPPED,
    AnswerAnalysis,
    CoachingHint,
    CodeAnswer,
    Difficulty,
    FinalReport,
    Interviewer,
    InterviewSpec,
    Kind,
    PlannedQuestion,
)
from .simple import SimpleInterviewer

__all__ = [
    "SKIPPED",
    "AnswerAnalysis",
    "CoachingHint",
    "CodeAnswer",
    "Difficulty",
    "FinalReport",
    "InterviewSpec",
    "Interviewer",
    "Kind",
    "PlannedQuestion",
    "SimpleInterviewer",
]
