"""What a candidate's ``state`` action means in the current state, and what follows from it.

:func:`decide` accepts exactly the actions that the reducer in :mod:`.replay` lets change
the state, so a refused action that is logged anyway changes nothing on replay. The steps
are instructions for the controller, which performs them and logs the events they produce.
"""

from __future__ import annotations

from dataclasses import dataclass

from protocol.enums import InterviewPhase, QuestionKind, StateAction

from .state import InterviewState


@dataclass(frozen=True)
class PlanAndAsk:
    """Plan the interview's questions, then ask the first one."""


@dataclass(frozen=True)
class EnterPhase:
    """Log a ``phase`` event; ``qid`` and ``idx`` are the current question's."""

    phase: InterviewPhase
    paused: bool = False
    qid: str | None = None
    idx: int | None = None


@dataclass(frozen=True)
class Analyze:
    """Analyse the answer to ``qid`` that just ended or was skipped, and log the analysis.
    The steps after it need not wait for it: only the report needs every analysis."""

    qid: str
    skipped: bool = False


@dataclass(frozen=True)
class AskNextOrFinish:
    """After an answer: ask a follow-up or the next main question, or finish when none is
    left (see :func:`next_question_number`)."""


@dataclass(frozen=True)
class AskInstructor:
    """Ask the oldest waiting instructor question if it is still due right away (see
    ``InterviewState.instructor_question_due``): the candidate has not moved on meanwhile."""


@dataclass(frozen=True)
class Finish:
    """Log the report, then the ``finished`` phase."""


Step = PlanAndAsk | EnterPhase | Analyze | AskNextOrFinish | AskInstructor | Finish


@dataclass(frozen=True)
class Decision:
    accepted: bool
    steps: tuple[Step, ...] = ()
    # Why a refused action was refused, for the ``conflict`` error.
    reason: str = ""


OVER = "the interview is over"
FINISHING = "the interview is finishing"
REVIEWING = "wait for the analysis"
PAUSED = "the interview is paused: resume or finish"
INSTRUCTOR_COMING = "a question from your instructor is coming"


def decide(state: InterviewState, action: str, *, questions_total: int) -> Decision:
    try:
        act = StateAction(action)
    except ValueError:
        return _refuse(f"unknown action {action!r}")
    if state.phase is InterviewPhase.FINISHED:
        return _refuse(OVER)
    if state.finishing:
        return _refuse(FINISHING)
    if act is StateAction.FINISH:
        return _finish(state)
    if state.paused:
        if act is StateAction.RESUME:
            return _accept(_enter(state, state.phase, paused=False))
        return _refuse(PAUSED)
    if state.phase is InterviewPhase.REVIEWING:
        return _refuse(REVIEWING)
    if state.phase is InterviewPhase.LOBBY:
        return _in_lobby(state, act, questions_total)
    return _in_question(state, act)


def next_question_number(state: InterviewState, questions_total: int) -> int | None:
    """The ``idx`` of the next main question to ask (1 for the first), or None when every
    planned main question has been asked: after its answer (and any follow-up), finish."""
    asked = max((q.idx for q in state.questions if q.kind is QuestionKind.MAIN), default=0)
    return asked + 1 if asked < questions_total else None


def follow_up_candidate(state: InterviewState) -> str | None:
    """The question whose follow-up is considered next: the last question whose answer
    ended (or was skipped) that is not an instructor's (their questions interrupt the flow,
    they do not steer it). Its analysis need not be logged yet: the follow-up decision and
    the analysis go on side by side."""
    for answer in reversed(state.answers):
        if answer.is_open:
            continue
        question = state.question(answer.qid)
        if question is None or question.kind is not QuestionKind.INSTRUCTOR:
            return answer.qid
    return None


def may_follow_up(state: InterviewState, qid: str) -> bool:
    """A follow-up may be asked after the answer to ``qid``: a main question, answered (not
    skipped), and not followed up yet. Follow-ups are never followed up."""
    question, answer = state.question(qid), state.answer(qid)
    return (
        question is not None
        and question.kind is QuestionKind.MAIN
        and answer is not None
        and not answer.is_open
        and not answer.skipped
        and not any(q.parent_qid == qid for q in state.questions)
    )


def _in_lobby(state: InterviewState, act: StateAction, questions_total: int) -> Decision:
    if act is not StateAction.START:
        return _refuse(f"{act.value}: the interview has not started")
    if not state.can_start:
        return _refuse("the interview is starting")
    if questions_total < 1:
        return _refuse("the interview has no questions")
    return _accept(PlanAndAsk())


def _in_question(state: InterviewState, act: StateAction) -> Decision:
    if state.instructor_question_due and act in _MOVING_ON:
        return _refuse(INSTRUCTOR_COMING)
    if act is StateAction.START:
        return _refuse("the interview has already started")
    if act is StateAction.RESUME:
        return _refuse("the interview is not paused")
    if act is StateAction.PAUSE:
        return _accept(_enter(state, state.phase, paused=True))
    if act is StateAction.ANSWER_START:
        if state.phase is InterviewPhase.ANSWERING:
            return _refuse("an answer is already in progress")
        if not state.can_start_answer:
            return _refuse("there is no question to answer")
        return _accept(_enter(state, InterviewPhase.ANSWERING))
    if act is StateAction.ANSWER_END:
        answer = state.open_answer
        if not state.can_end_answer or answer is None:
            return _refuse("no answer is in progress")
        return _accept(*_review(state, answer.qid, skipped=False), AskNextOrFinish())
    if not state.can_skip or state.current_qid is None:
        return _refuse("there is no question to skip")
    return _accept(*_review(state, state.current_qid, skipped=True), AskNextOrFinish())


# What the candidate may not do while an instructor's question is about to replace the one
# on screen: the flow and the candidate would race.
_MOVING_ON = frozenset({StateAction.ANSWER_START, StateAction.SKIP, StateAction.PAUSE})


def _finish(state: InterviewState) -> Decision:
    answer = state.open_answer
    if answer is not None:
        return _accept(*_review(state, answer.qid, skipped=False), Finish())
    return _accept(Finish())


def _review(state: InterviewState, qid: str, *, skipped: bool) -> tuple[Step, ...]:
    return _enter(state, InterviewPhase.REVIEWING), Analyze(qid, skipped=skipped)


def _enter(state: InterviewState, phase: InterviewPhase, *, paused: bool = False) -> EnterPhase:
    return EnterPhase(phase, paused, state.current_qid, state.question_idx or None)


def _accept(*steps: Step) -> Decision:
    return Decision(True, steps)


def _refuse(reason: str) -> Decision:
    return Decision(False, reason=reason)
