"""Reports and dashboards: reads the derived rows and hands them to :mod:`server.analytics`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AnswerMetrics, Interview, User
from db.queries import flow_rows
from db.queries.analytics import (
    answered_questions,
    events_of_kinds,
    granted_interviews,
    owned_interviews,
    report_rows,
    unmeasured_questions,
)
from server.analytics.delivery import Delivery
from server.analytics.measure import DELIVERY_KINDS, LoggedEvent, measure_answers
from server.analytics.progress import (
    AnsweredFacts,
    InterviewFacts,
    Owner,
    candidates_overview,
    progress,
)
from server.analytics.report import (
    AnalysisFacts,
    AnswerFacts,
    DeliveryFacts,
    FinalFacts,
    QuestionFacts,
    build_report,
)
from server.hub.events import unpack
from server.interviews import interview_summary


def _delivery(row: AnswerMetrics) -> Delivery:
    return Delivery(
        words=row.words, fillers=row.fillers, duration_s=row.duration_s, wpm=row.wpm,
        eye_contact_share=row.eye_contact_share, pauses=row.pauses,
        longest_pause_s=row.longest_pause_s, face_missing_s=row.face_missing_s,
    )


def _pairs(raw: Any) -> tuple[tuple[int, float], ...]:
    return tuple((int(item[0]), float(item[1])) for item in raw or ())


async def fill_missing_delivery(session: AsyncSession, interview: Interview) -> int:
    """Measures from the log the analysed answers that have no stored delivery, and stores
    it; the number of answers filled in. Once stored, later views read the rows."""
    missing = await unmeasured_questions(session, interview.id)
    if not missing:
        return 0
    events = [
        LoggedEvent(kind, ts, unpack(payload))
        for kind, ts, payload in await events_of_kinds(session, interview.id, DELIVERY_KINDS)
    ]
    wanted = {str(qid) for qid in missing}
    measured = [m for m in measure_answers(events, interview.kind) if m.qid in wanted and m.metrics]
    if measured:
        connection = await session.connection()
        pg = (await connection.get_raw_connection()).driver_connection
        for answer in measured:
            await flow_rows.save_answer_metrics(
                pg, interview.id, qid=answer.qid, metrics=answer.metrics,
                pace=[list(point) for point in answer.timeline.pace],
                pauses=[list(pause) for pause in answer.timeline.pauses],
            )
    return len(measured)


async def interview_report(session: AsyncSession, interview: Interview, owner: User) -> dict[str, Any]:
    await fill_missing_delivery(session, interview)
    rows = await report_rows(session, interview.id, finished=interview.score is not None)
    ts = rows.ts_by_seq.get
    final = None
    metrics: dict[str, Any] = {}
    if rows.report_payload is not None:
        d = unpack(rows.report_payload)
        final = FinalFacts(score=float(d.get("score", 0.0)), summary=str(d.get("summary", "")))
        metrics = d.get("metrics") or {}
    report = build_report(
        str(interview.id),
        [
            QuestionFacts(
                qid=str(q.id), idx=q.idx, kind=q.kind, text=q.text, topic=q.topic,
                parent_qid=str(q.parent_id) if q.parent_id else None,
                asked_ts=ts(q.asked_seq) if q.asked_seq is not None else None,
            )
            for q in rows.questions
        ],
        [
            AnswerFacts(
                qid=str(a.question_id),
                started_ts=ts(a.started_seq) if a.started_seq is not None else None,
                ended_ts=ts(a.ended_seq) if a.ended_seq is not None else None,
                skipped=a.skipped,
            )
            for a in rows.answers
        ],
        [
            AnalysisFacts(
                qid=str(a.question_id), score=a.score, summary=a.summary,
                strengths=tuple(a.strengths), improvements=tuple(a.improvements),
                rubric=dict(a.rubric), source=a.source,
                ts=ts(a.created_seq) if a.created_seq is not None else None,
            )
            for a in rows.analyses
        ],
        [
            DeliveryFacts(
                qid=str(m.question_id), delivery=_delivery(m), pace=_pairs(m.pace),
                pauses=_pairs(m.pause_marks),
            )
            for m in rows.metrics
        ],
        final,
    )
    report["interview"] = interview_summary(interview, owner)
    # How well the answers covered the job's key requirements, as the final report judged it.
    report["requirements"] = [
        {"name": str(r.get("name", "")), "status": str(r.get("status", "not"))}
        for r in metrics.get("requirements") or ()
    ]
    report["requirements_coverage"] = metrics.get("requirements_coverage")
    return report


def _interview_facts(interview: Interview) -> InterviewFacts:
    return InterviewFacts(
        interview_id=str(interview.id), owner_id=str(interview.owner_id), kind=interview.kind,
        role_title=interview.role_title, difficulty=interview.difficulty,
        status=interview.status, created_at=interview.created_at, score=interview.score,
        questions_total=interview.questions_total,
    )


async def _answered(session: AsyncSession, interviews: list[Interview]) -> list[AnsweredFacts]:
    rows = await answered_questions(session, [i.id for i in interviews])
    return [
        AnsweredFacts(
            interview_id=str(question.interview_id), question_text=question.text,
            topic=question.topic, question_kind=question.kind, score=analysis.score,
            rubric=dict(analysis.rubric or {}), skipped=bool(skipped),
            delivery=_delivery(metrics) if metrics is not None else None,
        )
        for question, analysis, skipped, metrics in rows
    ]


async def candidate_dashboard(session: AsyncSession, user: User) -> dict[str, Any]:
    """A candidate's own progress over their latest interviews."""
    interviews = await owned_interviews(session, user.id)
    facts = [_interview_facts(i) for i in interviews]
    return {"role": "candidate", "progress": progress(facts, await _answered(session, interviews))}


async def instructor_dashboard(session: AsyncSession, user: User) -> dict[str, Any]:
    """Each candidate who shared interviews with an instructor: only those interviews."""
    pairs = await granted_interviews(session, user.id)
    answered = await _answered(session, [interview for interview, _ in pairs])
    overview = candidates_overview(
        [
            (_interview_facts(interview),
             Owner(str(owner.id), owner.username, owner.display_name))
            for interview, owner in pairs
        ],
        answered,
    )
    return {"role": "instructor", "candidates": overview}


async def dashboard(session: AsyncSession, user: User) -> dict[str, Any]:
    if user.role == "instructor":
        return await instructor_dashboard(session, user)
    return await candidate_dashboard(session, user)

