"""The interview flow of one live interview: the I/O half of :mod:`server.flow`.

It consumes the room's events strictly in log order and keeps ``state`` exactly as
``replay`` of the log would build it. A candidate's ``state`` frame is decided on
the state just before it (so a refused action changes nothing, live or replayed);
accepted decisions are performed one after another: the interviewer is asked,
and the resulting events are logged together with their derived rows.

After an answer, the answer's analysis runs beside the follow-up decision and the next
question's stream, and while the follow-up is decided the next main question is already
being phrased (kept for its turn when a follow-up is asked instead). The question's
pieces go to the clients as they come; what the flow logs after the answer's end waits
for the analysis, so the log reads as if each step had waited for the one before.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any, AsyncIterator, Callable, Mapping, Sequence

import asyncpg

from db.models import Interview
from db.queries import flow_rows
from protocol import ErrorCode, QuestionDelta, encode
from protocol.enums import InterviewPhase, QuestionKind
from server.flow import (
    Analyze,
    AskInstructor,
    AskNextOrFinish,
    Decision,
    EnterPhase,
    Finish,
    InterviewState,
    PlanAndAsk,
    Step,
    apply_event,
    decide,
    follow_up_candidate,
    may_follow_up,
    next_question_number,
)
from server.hub.coaching import Coaching
from server.hub.event_writer import Append, EventWriter, now_ms
from server.hub.events import StoredEvent
from server.hub.tasks import cancel_and_wait
from server.hub.room import Room
from server.interviewer import AnswerAnalysis, Interviewer, InterviewSpec, PlannedQuestion
from server.interviewer.base import SKIPPED, CodeAnswer
from server.interviewer import tailoring
from server.interviewer.fallback import Restart

log = logging.getLogger(__name__)

Derived = Callable[[asyncpg.Connection, StoredEvent], Any]
# Builds this interview's interviewer; the callback is told when it falls back offline.
InterviewerFactory = Callable[[Callable[[str], None]], Interviewer]
INSTRUCTOR_TOPIC = "instructor"
_ASK_NOW = Decision(True, (AskInstructor(),))


class _Prefetched:
    """A question's pieces, read ahead in a task; :meth:`pieces` yields them once."""

    _END: Any = object()

    def __init__(self, question: PlannedQuestion, pieces: AsyncIterator[str]) -> None:
        self.question = question
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self.task = asyncio.create_task(self._read(pieces), name="question-prefetch")

    async def _read(self, pieces: AsyncIterator[str]) -> None:
        try:
            async for piece in pieces:
                self._queue.put_nowait(piece)
        except Exception as error:  # handed to the reader, in place of the rest
            self._queue.put_nowait(error)
        finally:
            await _aclose(pieces)
        self._queue.put_nowait(self._END)

    async def pieces(self) -> AsyncIterator[str]:
        while (piece := await self._queue.get()) is not self._END:
            if isinstance(piece, Exception):
                raise piece
            yield piece

    async def cancel(self) -> None:
        await cancel_and_wait(self.task)


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
            job_description=interview.job_description or "",
            resume=interview.resume_text or "",
        )
        self.requirements = tailoring.requirements(self.spec.job_description)
        self.plan = [_planned(item) for item in interview.plan or []]
        self.interviewer = make_interviewer(self._switched)
        self.state = InterviewState()
        self.asked = asked
        self.history = tuple(history)
        self.coaching = Coaching(writer, interview.id, interview.kind, self.interviewer, self._planned)
        self._queue: asyncio.Queue[StoredEvent] = asyncio.Queue()
        self._pending: deque[_Pending] = deque()
        self._task: asyncio.Task[None] | None = None
        # Events this flow logged without waiting; ``_settle`` waits for them.
        self._unsettled: deque[asyncio.Future[StoredEvent | None]] = deque()
        # The latest answer's analysis (each waits for the one before it to be logged), and
        # those not done yet.
        self._analysis: asyncio.Task[StoredEvent | None] | None = None
        self._analyses: set[asyncio.Task[StoredEvent | None]] = set()
        self._prefetched: _Prefetched | None = None
        # Tasks waiting until the room has passed an event (by seq) to its sinks.
        self._deliveries: list[tuple[int, asyncio.Future[None]]] = []
        self.idle = asyncio.Event()

    # ----- lifecycle ------------------------------------------------------------------

    def start(self) -> None:
        self._pending.extend(self._unfinished_work())
        self._task = asyncio.create_task(self._run(), name=f"flow-{self.interview_id}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)
        for analysis in list(self._analyses):
            await cancel_and_wait(analysis)
        await self._drop_prefetched()
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
        if self._deliveries:
            # Woken after this fan-out, so the sinks after this one have seen it too.
            waiting = []
            for seq, future in self._deliveries:
                if seq > event.seq:
                    waiting.append((seq, future))
                elif not future.done():
                    future.set_result(None)
            self._deliveries = waiting

    async def _delivered(self, future: asyncio.Future[StoredEvent | None]) -> None:
        """Wait until the event logged as ``future`` has reached every sink of the room
        (the coaching too); not at all when it could not be logged."""
        await asyncio.wait((future,))  # not cancelling ``future`` when this is cancelled
        if future.cancelled() or future.exception() is not None:
            return
        stored = future.result()
        if stored is None or self.room.head >= stored.seq:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._deliveries.append((stored.seq, waiter))
        await waiter

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
                await self._settle()
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
        if event.kind in ("ask", "phase") and self.state.instructor_question_due:
            # Performed in turn; it checks again then, so scheduling it twice is harmless.
            self._pending.append(_Pending(_ASK_NOW, self.state))
        if event.kind != "state" or event.stream is None:
            return
        action = str(event.d.get("action"))
        decision = decide(before, action, questions_total=self.spec.questions_total)
        if decision.accepted:
            self._pending.append(_Pending(decision, self.state))
        elif self.room.candidate is not None:
            self.room.candidate.send_error(ErrorCode.CONFLICT, decision.reason, ref=event.client_seq)

    def _catch_up(self) -> None:
        """Apply every event already delivered, so a decision sees the latest state."""
        while not self._queue.empty():
            self._process(self._queue.get_nowait())

    def _log(self, kind: str, d: Mapping[str, Any], derived: Derived | None = None,
             ) -> asyncio.Future[StoredEvent | None]:
        """Log an event without waiting for it; ``_settle`` does."""
        future = self.writer.append(
            Append(self.interview_id, kind, dict(d), now_ms(), derived=derived)
        )
        self._unsettled.append(future)
        return future

    async def _emit(self, kind: str, d: Mapping[str, Any], derived: Derived | None = None) -> StoredEvent:
        """Log an event and wait until this flow has applied it (and all before it)."""
        future = self._log(kind, d, derived)
        await self._settle()
        stored = future.result()
        assert stored is not None
        return stored

    async def _settle(self) -> None:
        """Wait until every event this flow logged is committed (so delivered to the room)
        and applied to ``state``. One that could not be logged is reported and passed over
        (``_emit`` raises for its own)."""
        while self._unsettled:
            future = self._unsettled.popleft()
            try:
                stored = await future
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("interview %s: an event could not be logged", self.interview_id)
                continue
            if stored is not None:
                await self._applied(stored.seq)

    async def _applied(self, seq: int) -> None:
        while self.state.head < seq:
            self._process(await self._queue.get())

    # ----- steps ----------------------------------------------------------------------

    async def _perform(self, step: Step, decided: InterviewState) -> None:
        if isinstance(step, PlanAndAsk):
            await self._plan_and_ask()
        elif isinstance(step, EnterPhase):
            self._enter(step, decided)
            if step.phase is InterviewPhase.ANSWERING and not step.paused:
                await self._prefetch_next()
        elif isinstance(step, Analyze):
            self._start_analysis(step.qid, step.skipped)
        elif isinstance(step, AskNextOrFinish):
            await self._ask_next_or_finish()
        elif isinstance(step, AskInstructor):
            self._catch_up()
            if self.state.instructor_question_due:
                await self._ask_instructor()
        elif isinstance(step, Finish):
            await self._finish()

    async def _plan_and_ask(self) -> None:
        if not self.plan:
            self.plan = await self.interviewer.plan_questions(self.spec, self.history)
        self._catch_up()
        if self.state.waiting_asks:
            # Sent in the lobby: asked first; the plan is saved with the first main question.
            await self._ask_instructor()
            return
        await self._ask(self.plan[0], idx=1, kind=QuestionKind.MAIN, parent_qid=None, save_plan=True)

    async def _ask(self, question: PlannedQuestion, *, idx: int, kind: QuestionKind,
                   parent_qid: str | None, save_plan: bool = False,
                   prefetched: _Prefetched | None = None) -> None:
        qid = str(uuid.uuid4())
        pieces: list[str] = []
        stream = prefetched.pieces() if prefetched is not None else self.interviewer.ask(question)
        try:
            async for piece in stream:
                if isinstance(piece, Restart):
                    # The stream failed midway and the offline interviewer asks afresh.
                    pieces.clear()
                pieces.append(piece)
                if piece:
                    # What was logged before the question (the answer's end) reaches the
                    # clients first.
                    await self._settle()
                    self.room.broadcast_control(encode(QuestionDelta(qid=qid, text=piece)))
        finally:
            await _aclose(stream)
            if prefetched is not None:
                await prefetched.cancel()
        # Its pieces went ahead; the question itself is logged after the answer's analysis.
        await self._analyses_logged()
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
        if question.coding:
            d["coding"] = True
        self.asked[qid] = question
        await self._emit("question", d, rows)
        await self._phase(InterviewPhase.ASKING, qid=qid, idx=idx)

    async def _ask_instructor(self) -> None:
        """Put the oldest waiting instructor question to the candidate, word for word."""
        state = self.state
        waiting = state.waiting_asks[0]
        current = state.current_question
        qid, idx = str(uuid.uuid4()), state.question_idx
        parent_qid = current.qid if current is not None else None
        d: dict[str, Any] = {"qid": qid, "idx": idx, "kind": QuestionKind.INSTRUCTOR.value,
                             "text": waiting.text, "from": waiting.from_user}
        if waiting.name is not None:
            d["name"] = waiting.name
        if parent_qid is not None:
            d["parent_qid"] = parent_qid
        interview_id = self.interview_id

        async def rows(pg: asyncpg.Connection, event: StoredEvent) -> None:
            await flow_rows.insert_question(
                pg, interview_id, qid=qid, idx=idx, kind=QuestionKind.INSTRUCTOR.value,
                text=waiting.text, parent_qid=parent_qid, topic=INSTRUCTOR_TOPIC, key_points=(),
                asked_seq=event.seq,
            )

        self.asked[qid] = PlannedQuestion(text=waiting.text, topic=INSTRUCTOR_TOPIC)
        await self._emit("question", d, rows)
        await self._phase(InterviewPhase.ASKING, qid=qid, idx=idx or None)

    async def _phase(self, phase: InterviewPhase, *, qid: str | None = None,
                     idx: int | None = None) -> None:
        d, rows = self._phase_event(phase, qid=qid, idx=idx)
        await self._emit("phase", d, rows)

    def _phase_event(self, phase: InterviewPhase, *, qid: str | None = None,
                     idx: int | None = None, paused: bool = False,
                     answer: flow_rows.AnswerRow | None = None) -> tuple[dict[str, Any], Derived]:
        d: dict[str, Any] = {"phase": phase.value}
        if qid is not None:
            d["qid"] = qid
        if idx is not None:
            d["idx"] = idx
        if paused:
            d["paused"] = True
        interview_id = self.interview_id

        async def rows(pg: asyncpg.Connection, event: StoredEvent) -> None:
            await flow_rows.set_phase(pg, interview_id, phase=phase.value, question_idx=idx,
                                      answer=answer)

        return d, rows

    def _enter(self, step: EnterPhase, decided: InterviewState) -> None:
        """Logged without waiting: the decision's other steps do not need it applied."""
        answer_row: flow_rows.AnswerRow | None = None
        if step.phase in (InterviewPhase.ANSWERING, InterviewPhase.REVIEWING):
            answer_row = self._answer_row(decided, step.qid)
        d, rows = self._phase_event(step.phase, qid=step.qid, idx=step.idx, paused=step.paused,
                                    answer=answer_row)
        self._log("phase", d, rows)

    @staticmethod
    def _answer_row(decided: InterviewState, qid: str | None) -> flow_rows.AnswerRow | None:
        answer = decided.answer(qid) if qid is not None else None
        if answer is None:
            return None
        return flow_rows.AnswerRow(
            qid=answer.qid, transcript=answer.transcript, skipped=answer.skipped,
            started_seq=answer.started_seq, ended_seq=answer.ended_seq,
            started_ts=answer.started_ts, ended_ts=answer.ended_ts, code=answer.code,
            code_lang=answer.code_lang,
        )

    def _planned(self, qid: str) -> PlannedQuestion:
        """What was asked as ``qid`` (from the log when another process asked it)."""
        known = self.asked.get(qid)
        if known is not None:
            return known
        logged = self.state.question(qid)
        return PlannedQuestion(text=logged.text if logged else "", topic="unknown")

    def _start_analysis(self, qid: str, skipped: bool) -> None:
        """Analyse the answer to ``qid`` in a task of its own."""
        question = self._planned(qid)
        answer = self.state.answer(qid)
        text = "" if answer is None or skipped else answer.transcript
        code = None
        if answer is not None and not skipped and answer.code.strip():
            code = CodeAnswer(answer.code, answer.code_lang)
        # The coaching sums up the answer's delivery when it sees the answer's end logged:
        # the phase event this decision logged before.
        ended = self._unsettled[-1] if self._unsettled else None
        task = asyncio.create_task(
            self._analyze(qid, skipped, question, text, code, ended, self._analysis),
            name=f"analysis-{self.interview_id}",
        )
        self._analysis = task
        self._analyses.add(task)
        task.add_done_callback(self._analysed)

    def _analysed(self, task: asyncio.Task[StoredEvent | None]) -> None:
        self._analyses.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("interview %s: the analysis could not be logged", self.interview_id,
                      exc_info=task.exception())

    async def _analyze(
        self, qid: str, skipped: bool, question: PlannedQuestion, text: str,
        code: CodeAnswer | None, ended: asyncio.Future[StoredEvent | None] | None,
        previous: asyncio.Task[StoredEvent | None] | None,
    ) -> StoredEvent | None:
        if ended is not None:
            await self._delivered(ended)
        metrics = {SKIPPED: 1.0} if skipped else self.coaching.metrics_for(qid)
        timeline = self.coaching.timeline_for(qid)
        try:
            if code is not None:
                result = await self.interviewer.analyze(question, text, metrics, code=code)
            else:
                result = await self.interviewer.analyze(question, text, metrics)
        except Exception:
            log.exception("interview %s: analysis failed; logging an empty one", self.interview_id)
            result = AnswerAnalysis(0.0, "The analysis could not be produced.", (), (), {}, False)
        # Recorded with the analysis: which interviewer produced it (after any fallback).
        source = (result.source or str(getattr(self.interviewer, "source", "local")))[:16]
        d = {
            "qid": qid, "score": round(float(result.score), 2), "summary": result.summary,
            "strengths": list(result.strengths), "improvements": list(result.improvements),
            "rubric": {name: round(float(v), 2) for name, v in result.rubric.items()},
        }
        interview_id = self.interview_id

        async def rows(pg: asyncpg.Connection, event: StoredEvent) -> None:
            # With the answer's delivery, for reports and dashboards (no log reading per page
            # view).
            delivery = metrics if not skipped and metrics else None
            await flow_rows.insert_analysis(
                pg, interview_id, qid=qid, d=d, source=source, seq=event.seq, metrics=delivery,
                pace=[list(point) for point in timeline.pace],
                pauses=[list(pause) for pause in timeline.pauses],
            )

        if previous is not None:
            # The analyses are logged in the order of the answers.
            await asyncio.wait((previous,))
        return await self.writer.append(
            Append(self.interview_id, "analysis", d, now_ms(), derived=rows)
        )

    async def _analyses_logged(self) -> None:
        """Wait until every started analysis is logged and applied to ``state``."""
        task = self._analysis
        if task is None:
            return
        if not task.done():
            await asyncio.wait((task,))
        if not task.cancelled() and task.exception() is None:
            stored = task.result()
            if stored is not None:
                await self._applied(stored.seq)

    async def _ask_next_or_finish(self) -> None:
        self._catch_up()  # an instructor's question may have come in meanwhile
        if self.state.waiting_asks:
            await self._analyses_logged()
            await self._ask_instructor()
            return
        state = self.state
        interrupted = state.interrupted_question()
        if interrupted is not None:
            # An instructor's question came in between: back to the one it interrupted.
            await self._analyses_logged()
            await self._phase(InterviewPhase.ASKING, qid=interrupted.qid, idx=interrupted.idx)
            return
        number = next_question_number(state, self.spec.questions_total)
        last = follow_up_candidate(state)
        if last is not None and may_follow_up(state, last):
            answer = state.answer(last)
            question = self.asked.get(last)
            if question is not None and answer is not None:
                if number is not None and number <= len(self.plan):
                    await self._prefetch(self.plan[number - 1])
                follow = await self.interviewer.follow_up(question, answer.transcript)
                if follow is not None:
                    parent = state.question(last)
                    assert parent is not None
                    await self._ask(follow, idx=parent.idx, kind=QuestionKind.FOLLOW_UP,
                                    parent_qid=last)
                    return
        if number is None:
            await self._finish()
            return
        if len(self.plan) < number:
            self.plan = await self.interviewer.plan_questions(self.spec, self.history)
        question = self.plan[number - 1]
        prefetched, self._prefetched = self._prefetched, None
        if prefetched is not None and prefetched.question is not question:
            await prefetched.cancel()
            prefetched = None
        await self._ask(question, idx=number, kind=QuestionKind.MAIN, parent_qid=None,
                        save_plan=True, prefetched=prefetched)

    async def _prefetch_next(self) -> None:
        """While the candidate answers, start phrasing the next planned question: it does not
        depend on the answer, so after the answer only the follow-up decision is waited for
        (and if a follow-up comes first, the phrased question waits for its turn)."""
        number = next_question_number(self.state, self.spec.questions_total)
        if number is not None and number <= len(self.plan):
            await self._prefetch(self.plan[number - 1])

    async def _prefetch(self, question: PlannedQuestion) -> None:
        """Start phrasing ``question``, unless that is under way already."""
        if self._prefetched is not None and self._prefetched.question is question:
            return
        await self._drop_prefetched()
        self._prefetched = _Prefetched(question, aiter(self.interviewer.ask(question)))

    async def _drop_prefetched(self) -> None:
        prefetched, self._prefetched = self._prefetched, None
        if prefetched is not None:
            await prefetched.cancel()

    async def _finish(self) -> None:
        await self._drop_prefetched()
        await self._analyses_logged()
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
        metrics: dict[str, Any] = {name: float(value) for name, value in report.metrics.items()}
        if self.requirements:
            metrics.update(requirement_metrics(self.requirements, state))
        d = {
            "score": round(float(report.score), 2), "summary": report.summary,
            "per_question": [{"qid": a.qid, "score": a.score} for a in state.analyses],
            "metrics": metrics,
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
        elif state.instructor_question_due:
            steps.append(AskInstructor())
        if not steps:
            return []
        return [_Pending(Decision(True, tuple(steps)), state)]


async def _aclose(stream: Any) -> None:
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        await aclose()


def _planned(item: Mapping[str, Any]) -> PlannedQuestion:
    return PlannedQuestion(
        text=str(item.get("text", "")), topic=str(item.get("topic", "")),
        key_points=tuple(str(p) for p in item.get("key_points", ())),
        coding=item.get("coding") is True,
        edge_cases=tuple(str(c) for c in item.get("edge_cases", ())),
    )


def _plan_item(question: PlannedQuestion) -> dict[str, Any]:
    item: dict[str, Any] = {
        "text": question.text, "topic": question.topic, "key_points": list(question.key_points),
    }
    if question.coding:
        item["coding"] = True
        item["edge_cases"] = list(question.edge_cases)
    return item


def requirement_metrics(
    reqs: Sequence[tailoring.Requirement], state: InterviewState
) -> dict[str, Any]:
    """How well the answers (transcript and code) covered the job's key requirements."""
    evidence = []
    for answer in state.answers:
        analysis = state.analysis(answer.qid)
        if answer.skipped or analysis is None:
            continue
        text = f"{answer.transcript}\n{answer.code}"
        evidence.append(tailoring.AnswerEvidence(answer.qid, text, analysis.score))
    rows = tailoring.coverage(reqs, evidence)
    return {
        "requirements": [
            {"name": r.name, "status": r.status, "qids": list(r.qids)} for r in rows
        ],
        "requirements_coverage": tailoring.coverage_share(rows),
    }
