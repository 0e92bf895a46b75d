"""The interview flow, free of I/O: the event-log reducer and the state machine that says
what a candidate's action means and what the controller does next."""

from .machine import (
    Analyze,
    AskNextOrFinish,
    Decision,
    EnterPhase,
    Finish,
    PlanAndAsk,
    Step,
    decide,
    may_follow_up,
    next_question_number,
)
from .replay import LogEntry, apply_event, replay
from .state import (
    AnalysisState,
    AnswerState,
    InterviewState,
    QuestionScoreState,
    QuestionState,
    ReportState,
    Segment,
)

__all__ = [
    "AnalysisState",
    "Analyze",
    "AnswerState",
    "AskNextOrFinish",
    "Decision",
    "EnterPhase",
    "Finish",
    "InterviewState",
    "LogEntry",
    "PlanAndAsk",
    "QuestionScoreState",
    "QuestionState",
    "ReportState",
    "Segment",
    "Step",
    "apply_event",
    "decide",
    "may_follow_up",
    "next_question_number",
    "replay",
]
