"""What reports and dashboards read: the derived rows of interviews (questions, answers,
analyses, answer_metrics) and, for one interview, the times of a few events by seq.

Nothing here reads an interview's whole event log.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.models import Analysis, Answer, AnswerMetrics, Event, Interview, InterviewAccess, Question, User

# Dashboards look at a candidate's latest interviews only.
DASHBOARD_INTERVIEWS = 100


@dataclass(frozen=True)
class ReportRows:
    questions: list[Question]
    answers: list[Answer]
    # In log order; a question analysed twice (after a crash) has its latest one last.
    analyses: list[Analysis]
    metrics: list[AnswerMetrics]
    # Server time (ms) of the events the rows point at: questions asked, answers started
    # and ended, analyses logged.
    ts_by_seq: dict[int, int]
    # The final ``report`` event's payload (still MessagePack), if the interview has one.
    report_payload: bytes | None


async def report_rows(session: AsyncSession, interview_id: uuid.UUID, *, finished: bool) -> ReportRows:
    """``finished``: whether the interview has its final report (its score is set in the
    report event's transaction), so an unfinished one is not searched for it."""
    questions = list(await session.scalars(
        select(Question).where(Question.interview_id == interview_id).order_by(Question.asked_seq)
    ))
    answers = list(await session.scalars(
        select(Answer).where(Answer.interview_id == interview_id).order_by(Answer.started_seq)
    ))
    analyses = list(await session.scalars(
        select(Analysis).where(Analysis.interview_id == interview_id).order_by(Analysis.created_seq)
    ))
    metrics = list(await session.scalars(
        select(AnswerMetrics).where(AnswerMetrics.interview_id == interview_id)
    ))
    seqs = {q.asked_seq for q in questions} | {a.created_seq for a in analyses}
    seqs |= {a.started_seq for a in answers} | {a.ended_seq for a in answers}
    wanted = sorted(seq for seq in seqs if seq is not None)
    ts_by_seq: dict[int, int] = {}
    if wanted:
        rows = await session.execute(
            select(Event.seq, Event.ts).where(Event.interview_id == interview_id, Event.seq.in_(wanted))
        )
        ts_by_seq = {int(seq): int(ts) for seq, ts in rows.all()}
    report = None
    if finished:
        # The report is one of the last events: a backward walk of the primary key finds it.
        report = await session.scalar(
            select(Event.payload)
            .where(Event.interview_id == interview_id, Event.kind == "report")
            .order_by(Event.seq.desc())
            .limit(1)
        )
    return ReportRows(questions, answers, analyses, metrics, ts_by_seq, report)


async def unmeasured_questions(session: AsyncSession, interview_id: uuid.UUID) -> set[uuid.UUID]:
    """Questions with an analysis of an answer that was given (not skipped) but no stored
    delivery."""
    rows = await session.scalars(
        select(Analysis.question_id)
        .join(Answer, Answer.id == Analysis.answer_id)
        .outerjoin(AnswerMetrics, AnswerMetrics.question_id == Analysis.question_id)
        .where(Analysis.interview_id == interview_id, Answer.skipped.is_(False),
               AnswerMetrics.question_id.is_(None))
    )
    return set(rows)


async def events_of_kinds(
    session: AsyncSession, interview_id: uuid.UUID, kinds: Sequence[str]
) -> list[tuple[str, int, bytes]]:
    """``(kind, ts, payload)`` of the interview's events of ``kinds``, in log order."""
    rows = await session.execute(
        select(Event.kind, Event.ts, Event.payload)
        .where(Event.interview_id == interview_id, Event.kind.in_(list(kinds)))
        .order_by(Event.seq)
    )
    return [(kind, int(ts), payload) for kind, ts, payload in rows.all()]


async def owned_interviews(
    session: AsyncSession, owner_id: uuid.UUID, limit: int = DASHBOARD_INTERVIEWS
) -> list[Interview]:
    """A candidate's latest interviews, newest first."""
    rows = await session.scalars(
        select(Interview)
        .where(Interview.owner_id == owner_id)
        .order_by(Interview.created_at.desc())
        .limit(limit)
    )
    return list(rows)


async def granted_interviews(
    session: AsyncSession, instructor_id: uuid.UUID, limit: int = DASHBOARD_INTERVIEWS
) -> list[tuple[Interview, User]]:
    """The interviews shared with an instructor and their candidates: live ones first, then
    the newest."""
    rows = await session.execute(
        select(Interview, User)
        .join(InterviewAccess, InterviewAccess.interview_id == Interview.id)
        .join(User, User.id == Interview.owner_id)
        .where(InterviewAccess.user_id == instructor_id)
        .order_by((Interview.status == "live").desc(), Interview.created_at.desc())
        .limit(limit)
    )
    return [(interview, owner) for interview, owner in rows.all()]


async def answered_questions(
    session: AsyncSession, interview_ids: Collection[uuid.UUID]
) -> Sequence[Any]:
    """One row per analysed question of ``interview_ids`` (its latest analysis): the question,
    the analysis, whether the answer was skipped, and the answer's delivery (or None)."""
    if not interview_ids:
        return []
    latest = (
        select(Analysis)
        .where(Analysis.interview_id.in_(list(interview_ids)))
        .ext(distinct_on(Analysis.question_id))
        .order_by(Analysis.question_id, Analysis.created_seq.desc())
        .subquery()
    )
    analysis = aliased(Analysis, latest)
    rows = await session.execute(
        select(Question, analysis, Answer.skipped, AnswerMetrics)
        .join(analysis, analysis.question_id == Question.id)
        .outerjoin(Answer, Answer.id == analysis.answer_id)
        .outerjoin(AnswerMetrics, AnswerMetrics.question_id == Question.id)
        .order_by(Question.interview_id, Question.asked_seq)
    )
    return rows.all()

