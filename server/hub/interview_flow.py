"""The interview flow of one live interview: the I/O half of :mod:`server.flow`.

It consumes the room's events strictly in log order and keeps ``state`` exactly as
``replay`` of the log would build it. A candidate's ``state`` frame is decided on
the state just before it (so a refused action changes nothing, live or replayed);
accepted decisions are performed one after another: the interviewer is asked,
and the resulting events are logged together with their derived rows.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import asyncpg

from db.models import Interview
from db.queries import flow_rows
from protocol import ErrorCode, QuestionDelta, encode
from protocol.enums import InterviewPhase, QuestionKind
from server.flow import (
    Analyze,
    AskNextOrFinish,
    Decision,
    EnterPhase,
    Finish,
    InterviewState,
    PlanAndAsk,
    Step,
    apply_event,
    decide,
    may_follow_up,
    next_question_number,
)
from server.hub.coaching import Coaching
from server.hub.event_writer import Append, EventWriter, now_ms
from server.hub.events import StoredEvent
from server.hub.tasks import cancel_and_wait
from server.hub.room import Room
from server.interviewer import AnswerAnalysis, Interviewer, InterviewSpec, PlannedQuestion
from server.interviewer.base import SKIPPED
from server.interviewer.fallback import Restart

log = logging.getLogger(__name__)

Derived = Callable[[asyncpg.Connection, StoredEvent], Any]
# Builds this interview's interviewer; the callback is told when it falls back offline.
InterviewerFactory = Callable[[Callable[[str], None]], Interviewer]


@dataclass(frozen=True)
class _Pending:
    decision: Decision
    # The state right after the action that was decided, for the steps' data.
    state: InterviewState


class InterviewFlow:
    def __init__(
        self, room: Room, writer: EventWriter, interview: Interview,
        make_interviewer: InterviewerFactory, asked: dict[str, PlannedQuestion],
        history: Sequence[str] = (),
    ) -> None:
        self.room = room
        self.writer = writer
        self.interview_id = interview.id
        self.spec = InterviewSpec(
            kind=interview.kind,  # type: ignore[arg-type]
            role_title=interview.role_title,
            difficulty=interview.difficulty,  # type: ignore[arg-type]
            questions_total=interview.questions_total,
        )
        self.plan = [_planned(item) for item in interview.plan or []]
        self.interviewer = make_interviewer(self._switched)
        self.state = InterviewState()
        self.asked = asked
        self.history = tuple(history)
        self.coaching = Coaching(writer, interview.id, interview.kind, self.interviewer, self._planned)
        self._queue: asyncio.Queue[StoredEvent] = asyncio.Queue()
        self._pending: deque[_Pending] = deque()
        self._task: asyncio.Task[None] | None = None
        self.idle = asyncio.Event()

    # ----- lifecycle ------------------------------------------------------------------

    def start(self) -> None:
        self._pending.extend(self._unfinished_work())
        self._task = asyncio.create_task(self._run(), name=f"flow-{self.interview_id}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)
        await self.coaching.stop()

    def _switched(self, reason: str) -> None:
        """The AI interviewer failed and the offline one took over: say so in the log."""
        d = {
            "fid": str(uuid.uuid4()), "kind": "interviewer", "level": "info",
            "message": "The AI interviewer is unavailable right now; the offline interviewer "
            f"continues ({reason[:120]}).",
        }
        self.writer.append_in_background(Append(self.interview_id, "feedback", d, now_ms()))

    def on_event(self, event: StoredEvent) -> None:
        if event.kind not in ("face", "audio"):
            self._queue.put_nowait(event)

    async def _run(self) -> None:
        while True:
            while self._pending:
                pending = self._pending.popleft()
                for step in pending.decision.steps:
                    try:
                        await self._perform(step, pending.state)
                    except asyncio.CancelledError:
                        raise
                    except Exception:
                        log.exception("interview %s: step %s failed", self.interview_id, step)
            self.idle.set()
            event = await self._queue.get()
            self.idle.clear()
            self._process(event)

    def _process(self, event: StoredEvent) -> None:
        before = self.state
        if event.seq <= before.head:
            return
        self.state = apply_event(
            before, event.kind, event.seq, event.ts, event.d,
            event.client_seq if event.stream is not None else None,
        )
        if event.kind != "state" or event.stream is None:
            return
        action = str(event.d.get("action"))
        decision = decide(before, action, questions_total=self.spec.questions_total)
        if decision.accepted:
            self._pending.append(_Pending(decision, self.state))
        elif self.room.candidate is not None:
            self.room.candidate.send_error(ErrorCode.CONFLICT, decision.reason, ref=event.client_seq)

    async def _emit(self, kind: str, d: Mapping[str, Any], derived: Derived | None = None) -> StoredEvent:
        """Log an event and wait until this flow has applied it (and all before it)."""
        stored = await self.writer.append(
            Append(self.interview_id, kind, dict(d), now_ms(), derived=derived)
        )
        assert stored is not None
        while self.state.head < stored.seq:
            self._process(await self._queue.get())
        return stored

    # ----- steps ----------------------------------------------------------------------

    async def _perform(self, step: Step, decided: InterviewState) -> None:
        if isinstance(step, PlanAndAsk):
            await self._plan_and_ask()
        elif isinstance(step, EnterPhase):
            await self._enter(step, decided)
        elif isinstance(step, Analyze):
            await self._analyze(step.qid, step.skipped)
        elif isinstance(step, AskNextOrFinish):
            await self._ask_next_or_finish()
        elif isinstance(step, Finish):
            await self._finish()

    async def _plan_and_ask(self) -> None:
        if not self.plan:
            self.plan = await self.interviewer.plan_questions(self.spec, self.history)
        await self._ask(self.plan[0], idx=1, kind=QuestionKind.MAIN, parent_qid=None, save_plan=True)

    async def _ask(self, question: PlannedQuestion, *, idx: int, kind: QuestionKind,
                   parent_qid: str | None, save_plan: bool = False) -> None:
        qid = str(uuid.uuid4())
        pieces: list[str] = []
        async for piece in self.interviewer.ask(question):
            if isinstance(piece, Restart):
                # The stream failed midway and the offline interviewer asks afresh.
                pieces.clear()
            pieces.append(piece)
            if piece:
                self.room.broadcast_control(encode(QuestionDelta(qid=qid, text=piece)))
        # Logged as the candidate saw it (an AI interviewer may phrase the question aloud).
        asked_text = "".join(pieces).strip() or question.text
        plan = [_plan_item(item) for item in self.plan]
        interview_id = self.interview_id

        async def rows(pg: asyncpg.Connection, event: StoredEvent) -> None:
            if save_plan:
                await flow_rows.save_plan(pg, interview_id, plan)
            await flow_rows.insert_question(
                pg, interview_id, qid=qid, idx=idx, kind=kind.value, text=asked_text,
                parent_qid=parent_qid, topic=question.topic, key_points=question.key_points,
                asked_seq=event.seq,
            )

        d: dict[str, Any] = {"qid": qid, "idx": idx, "kind": kind.value, "text": asked_text}
        if parent_qid is not None:
            d["parent_qid"] = parent_qid
        self.asked[qid] = question
        await self._emit("question", d, rows)
        await self._phase(InterviewPhase.ASKING, qid=qid, idx=idx)

    async def _phase(self, phase: InterviewPhase, *, qid: str | None = None,
                     idx: int | None = None, paused: bool = False,
                     answer: Derived | None = None) -> None:
        d: dict[str, Any] = {"phase": phase.value}
        if qid is not None:
            d["qid"] = qid
        if idx is not None:
            d["idx"] = idx
        if paused:
            d["paused"] = True
        interview_id = self.interview_id

        async def rows(pg: asyncpg.Connection, event: StoredEvent) -> None:
            await flow_rows.set_phase(pg, interview_id, phase=phase.value, question_idx=idx)
            if answer is not None:
                await answer(pg, event)

        await self._emit("phase", d, rows)

    async def _enter(self, step: EnterPhase, decided: InterviewState) -> None:
        answer_rows: Derived | None = None
        if step.phase in (InterviewPhase.ANSWERING, InterviewPhase.REVIEWING):
            answer_rows = self._answer_rows(decided, step.qid)
        await self._phase(step.phase, qid=step.qid, idx=step.idx, paused=step.paused,
                          answer=answer_rows)

    def _answer_rows(self, decided: InterviewState, qid: str | None) -> Derived | None:
        answer = decided.answer(qid) if qid is not None else None
        if answer is None:
            return None
        interview_id = self.interview_id

        async def rows(pg: asyncpg.Connection, event: StoredEvent) -> None:
            await flow_rows.save_answer(
                pg, interview_id, qid=answer.qid, transcript=answer.transcript,
                skipped=answer.skipped, started_seq=answer.started_seq,
                ended_seq=answer.ended_seq, started_ts=answer.started_ts,
                ended_ts=answer.ended_ts,
            )

        return rows

    def _planned(self, qid: str) -> PlannedQuestion:
        """What was asked as ``qid`` (from the log when another process asked it)."""
        known = self.asked.get(qid)
        if known is not None:
            return known
        logged = self.state.question(qid)
        return PlannedQuestion(text=logged.text if logged else "", topic="unknown")

    async def _analyze(self, qid: str, skipped: bool) -> None:
        question = self._planned(qid)
        answer = self.state.answer(qid)
        text = "" if answer is None or skipped else answer.transcript
        metrics = {SKIPPED: 1.0} if skipped else self.coaching.metrics_for(qid)
        timeline = self.coaching.timeline_for(qid)
        try:
            result = await self.interviewer.analyze(question, text, metrics)
        except Exception:
            log.exception("interview %s: analysis failed; logging an empty one", self.interview_id)
            result = AnswerAnalysis(0.0, "The analysis could not be produced.", (), (), {}, False)
        d = {
            "qid": qid, "score": round(float(result.score), 2), "summary": result.summary,
            "strengths": list(result.strengths), "improvements": list(result.improvements),
            "rubric": {name: round(float(v), 2) for name, v in result.rubric.items()},
        }
        # Recorded with the analysis: which interviewer produced it (after any fallback).
        interview_id = self.interview_id
        source = str(getattr(self.interviewer, "source", "local"))[:16]

        async def rows(pg: asyncpg.Connection, event: StoredEvent) -> None:
            await flow_rows.insert_analysis(pg, interview_id, qid=qid, d=d, source=source, seq=event.seq)
            # The answer's delivery, for reports and dashboards (no log reading per page view).
            if not skipped and metrics:
                await flow_rows.save_answer_metrics(
                    pg, interview_id, qid=qid, metrics=metrics,
                    pace=[list(point) for point in timeline.pace],
                    pauses=[list(pause) for pause in timeline.pauses],
                )

        await self._emit("analysis", d, rows)

    async def _ask_next_or_finish(self) -> None:
        state = self.state
        last = state.analyses[-1].qid if state.analyses else None
        if last is not None and may_follow_up(state, last):
            answer = state.answer(last)
            question = self.asked.get(last)
            if question is not None and answer is not None:
                follow = await self.interviewer.follow_up(question, answer.transcript)
                if follow is not None:
                    parent = state.question(last)
                    assert parent is not None
                    await self._ask(follow, idx=parent.idx, kind=QuestionKind.FOLLOW_UP,
                                    parent_qid=last)
                    return
        number = next_question_number(state, self.spec.questions_total)
        if number is None:
            await self._finish()
            return
        if len(self.plan) < number:
            self.plan = await self.interviewer.plan_questions(self.spec, self.history)
        await self._ask(self.plan[number - 1], idx=number, kind=QuestionKind.MAIN, parent_qid=None,
                        save_plan=True)

    async def _finish(self) -> None:
        state = self.state
        results = []
        for analysis in state.analyses:
            question = self._planned(analysis.qid)
            answer = state.answer(analysis.qid)
            answered = answer is not None and not answer.skipped and bool(answer.transcript)
            results.append((question, AnswerAnalysis(
                analysis.score, analysis.summary, analysis.strengths, analysis.improvements,
                dict(analysis.rubric), answered,
            )))
        report = await self.interviewer.report(self.spec, results)
        d = {
            "score": round(float(report.score), 2), "summary": report.summary,
            "per_question": [{"qid": a.qid, "score": a.score} for a in state.analyses],
            "metrics": {name: float(value) for name, value in report.metrics.items()},
        }
        interview_id = self.interview_id

        async def rows(pg: asyncpg.Connection, event: StoredEvent) -> None:
            await flow_rows.save_score(pg, interview_id, d["score"])

        await self._emit("report", d, rows)
        await self._phase(InterviewPhase.FINISHED)

    # ----- after a restart --------------------------------------------------------------

    def _unfinished_work(self) -> list[_Pending]:
        """What a crash interrupted: the log shows an accepted action whose results are missing."""
        state = self.state
        if state.phase is InterviewPhase.FINISHED:
            return []
        steps: list[Step] = []
        unanalysed = [
            a for a in state.answers
            if not a.is_open and state.analysis(a.qid) is None
        ]
        for answer in unanalysed:
            steps.append(Analyze(answer.qid, skipped=answer.skipped))
        if state.finishing:
            steps.append(Finish())
        elif state.phase is InterviewPhase.REVIEWING:
            steps.append(AskNextOrFinish())
        elif state.phase is InterviewPhase.LOBBY and state.started_ts is not None and not state.questions:
            steps.append(PlanAndAsk())
        if not steps:
            return []
        return [_Pending(Decision(True, tuple(steps)), state)]


def _planned(item: Mapping[str, Any]) -> PlannedQuestion:
    return PlannedQuestion(
        text=str(item.get("text", "")), topic=str(item.get("topic", "")),
        key_points=tuple(str(p) for p in item.get("key_points", ())),
    )


def _plan_item(question: PlannedQuestion) -> dict[str, Any]:
    return {"text": question.text, "topic": question.topic, "key_points": list(question.key_points)}
