"""The event-log reducer: the interview state is a fold of its logged events.

The log holds every event as it was stored, refused candidate actions included, so the
reducer is total: an event that does not fit the state (or is malformed) only advances
``head``. The same log always yields the same state, whether applied at once or one event at
a time, which is what lets a restarted server pick up an interview where it left off.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeGuard, TypeVar

from protocol.enums import InterviewPhase, QuestionKind, StateAction

from .state import (
    AnalysisState,
    AnswerState,
    CodeSnapshot,
    InterviewState,
    QuestionScoreState,
    QuestionState,
    ReportState,
    Segment,
    join_segments,
)

__all__ = ["InterviewState", "LogEntry", "apply_event", "replay"]


@dataclass(frozen=True)
class LogEntry:
    """One logged event; for candidate frames ``d`` is the candidate's payload and
    ``src_seq`` its client sequence number."""

    seq: int
    kind: str
    ts: int
    d: Mapping[str, Any]
    src_seq: int | None = None


def replay(events: Iterable[LogEntry]) -> InterviewState:
    state = InterviewState()
    for e in events:
        state = apply_event(state, e.kind, e.seq, e.ts, e.d, e.src_seq)
    return state


def apply_event(
    state: InterviewState,
    kind: str,
    seq: int,
    ts: int,
    d: Mapping[str, Any],
    src_seq: int | None = None,
) -> InterviewState:
    """The state after event ``seq``; an event at or below ``head`` was applied already."""
    if seq <= state.head:
        return state
    advanced = replace(state, head=seq)
    handler = _HANDLERS.get(kind)
    if handler is None or not isinstance(d, Mapping):
        return advanced
    return handler(advanced, seq, ts, d)


def _phase(state: InterviewState, seq: int, ts: int, d: Mapping[str, Any]) -> InterviewState:
    phase = _enum(InterviewPhase, d.get("phase"))
    if phase is None or state.phase is InterviewPhase.FINISHED:
        return state
    qid, idx = d.get("qid"), d.get("idx")
    state = replace(
        state,
        phase=phase,
        paused=d.get("paused") is True and phase is not InterviewPhase.FINISHED,
        current_qid=qid if _is_id(qid) else state.current_qid,
        question_idx=idx if _is_int(idx) else state.question_idx,
    )
    if phase not in (InterviewPhase.LOBBY, InterviewPhase.FINISHED) and state.started_ts is None:
        state = replace(state, started_ts=ts)
    if phase is InterviewPhase.FINISHED:
        state = replace(state, finished_ts=ts, finishing=False)
    answer = state.open_answer
    # An answer lives in its question's asking and answering phases; the server moving on
    # without an answer_end (never in a well-formed log) still ends it.
    if answer is not None and (
        phase not in (InterviewPhase.ASKING, InterviewPhase.ANSWERING)
        or state.current_qid != answer.qid
    ):
        state = _close_answer(state, seq, ts, skipped=False)
    return state


def _question(state: InterviewState, seq: int, ts: int, d: Mapping[str, Any]) -> InterviewState:
    qid, idx, text, parent = d.get("qid"), d.get("idx"), d.get("text"), d.get("parent_qid")
    kind = _enum(QuestionKind, d.get("kind"))
    if (
        not _is_id(qid)
        or not _is_int(idx)
        or kind is None
        or not isinstance(text, str)
        or not (parent is None or _is_id(parent))
        or state.question(qid) is not None
    ):
        return state
    question = QuestionState(qid, idx, kind, text, parent, seq)
    return replace(state, questions=(*state.questions, question))


def _action(state: InterviewState, seq: int, ts: int, d: Mapping[str, Any]) -> InterviewState:
    action = _enum(StateAction, d.get("action"))
    if action is StateAction.START:
        if state.can_start:
            return replace(state, started_ts=ts)
    elif action is StateAction.ANSWER_START:
        if state.can_start_answer and state.current_qid is not None:
            answer = AnswerState(state.current_qid, "", False, seq, None, ts, None)
            return replace(state, answers=(*state.answers, answer), segments=())
    elif action is StateAction.ANSWER_END:
        if state.can_end_answer:
            return _close_answer(state, seq, ts, skipped=False)
    elif action is StateAction.SKIP:
        if state.can_skip and state.current_qid is not None:
            if state.open_answer is not None:
                return _close_answer(state, seq, ts, skipped=True)
            answer = AnswerState(state.current_qid, "", True, seq, seq, ts, ts)
            return replace(state, answers=(*state.answers, answer))
    elif action is StateAction.FINISH:
        if state.phase is not InterviewPhase.FINISHED and not state.finishing:
            if state.open_answer is not None:
                state = _close_answer(state, seq, ts, skipped=False)
            return replace(state, finishing=True)
    # pause and resume take effect through the phase event the server logs in reply.
    return state


def _close_answer(state: InterviewState, seq: int, ts: int, *, skipped: bool) -> InterviewState:
    answer = state.open_answer
    if answer is None:
        return state
    code = state.code(answer.qid)
    closed = replace(
        answer,
        transcript=join_segments(state.segments),
        skipped=skipped,
        ended_seq=seq,
        ended_ts=ts,
        code=code.text if code is not None else "",
        code_lang=code.lang if code is not None else "",
    )
    return replace(state, answers=(*state.answers[:-1], closed), segments=())


def _transcript(state: InterviewState, seq: int, ts: int, d: Mapping[str, Any]) -> InterviewState:
    seg, text, final = d.get("seg"), d.get("text"), d.get("final")
    if (
        state.open_answer is None
        or not _is_int(seg)
        or not isinstance(text, str)
        or not isinstance(final, bool)
    ):
        return state
    segments = {s.seg: s for s in state.segments}
    if seg in segments and segments[seg].final:
        return state
    segments[seg] = Segment(seg, text, final)
    return replace(state, segments=tuple(segments[k] for k in sorted(segments)))


def _code(state: InterviewState, seq: int, ts: int, d: Mapping[str, Any]) -> InterviewState:
    """A code snapshot counts for its question (the current one when it names none) until
    that question's answer ends; later snapshots change nothing."""
    qid = d.get("qid") or state.current_qid
    text, lang = d.get("text"), d.get("lang")
    if not _is_id(qid) or not isinstance(text, str) or not isinstance(lang, str):
        return state
    answer = state.answer(qid)
    if state.question(qid) is None or (answer is not None and not answer.is_open):
        return state
    snapshot = CodeSnapshot(qid, text, lang, seq)
    kept = tuple(s for s in state.codes if s.qid != qid)
    if len(kept) == len(state.codes):
        return replace(state, codes=(*state.codes, snapshot))
    return replace(state, codes=tuple(snapshot if s.qid == qid else s for s in state.codes))


def _analysis(state: InterviewState, seq: int, ts: int, d: Mapping[str, Any]) -> InterviewState:
    qid, score, summary = d.get("qid"), d.get("score"), d.get("summary")
    strengths, improvements = _texts(d.get("strengths")), _texts(d.get("improvements"))
    rubric = d.get("rubric")
    if (
        not _is_id(qid)
        or not _is_score(score)
        or not isinstance(summary, str)
        or strengths is None
        or improvements is None
        or not isinstance(rubric, Mapping)
        or not all(isinstance(k, str) and _is_score(v) for k, v in rubric.items())
    ):
        return state
    analysis = AnalysisState(
        qid=qid,
        score=float(score),
        summary=summary,
        strengths=strengths,
        improvements=improvements,
        rubric=tuple(sorted((k, float(v)) for k, v in rubric.items())),
        seq=seq,
    )
    return replace(state, analyses=(*state.analyses, analysis))


def _report(state: InterviewState, seq: int, ts: int, d: Mapping[str, Any]) -> InterviewState:
    score, summary, rows = d.get("score"), d.get("summary"), d.get("per_question")
    if not _is_score(score) or not isinstance(summary, str) or not isinstance(rows, list | tuple):
        return state
    per_question: list[QuestionScoreState] = []
    for row in rows:
        if not isinstance(row, Mapping):
            return state
        qid, row_score = row.get("qid"), row.get("score")
        if not _is_id(qid) or not _is_score(row_score):
            return state
        per_question.append(QuestionScoreState(qid, float(row_score)))
    report = ReportState(float(score), summary, tuple(per_question), seq)
    return replace(state, report=report)


E = TypeVar("E", InterviewPhase, QuestionKind, StateAction)
Handler = Callable[[InterviewState, int, int, Mapping[str, Any]], InterviewState]

# face, audio, feedback and note are kept in the log but shape nothing here.
_HANDLERS: dict[str, Handler] = {
    "phase": _phase,
    "question": _question,
    "state": _action,
    "transcript": _transcript,
    "code": _code,
    "analysis": _analysis,
    "report": _report,
}


def _enum(cls: type[E], value: object) -> E | None:
    try:
        return cls(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _is_int(value: object) -> TypeGuard[int]:
    return type(value) is int and value >= 0


def _is_id(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and value != ""


def _is_score(value: object) -> TypeGuard[float]:
    # The comparison also rules out NaN and the infinities (math.isfinite overflows on ints).
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 10


def _texts(value: object) -> tuple[str, ...] | None:
    if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        return tuple(value)
    return None
