"""The interview flow, free of I/O: the event-log reducer and the state machine that says
what a candidate's action means and what the controller does next."""

from .machine import (
    Analyze,
    AskInstructor,
    AskNextOrFinish,
    Decision,
    EnterPhase,
    Finish,
    PlanAndAsk,
    Step,
    decide,
    follow_up_candidate,
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
    WaitingAsk,
)

__all__ = [
    "AnalysisState",
    "Analyze",
    "AnswerState",
    "AskInstructor",
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
    "WaitingAsk",
    "apply_event",
    "decide",
    "follow_up_candidate",
    "may_follow_up",
    "next_question_number",
    "replay",
]
