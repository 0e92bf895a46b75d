from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Analysis, Answer, Interview, InterviewAccess, Question, Recording, User


@dataclass(frozen=True)
class InterviewDetail:
    interview: Interview
    owner: User
    questions: list[Question]
    answers: list[Answer]
    analyses: list[Analysis]
    observers: list[User]
    recordings: list[Recording]


async def create_interview(
    session: AsyncSession,
    *,
    owner_id: uuid.UUID,
    kind: str,
    role_title: str,
    difficulty: str,
    questions_total: int,
    job_description: str | None = None,
) -> Interview:
    interview = Interview(
        job_description=job_description,
        owner_id=owner_id,
        kind=kind,
        role_title=role_title,
        difficulty=difficulty,
        questions_total=questions_total,
        status="created",
        phase="lobby",
        question_idx=0,
        head_seq=0,
    )
    session.add(interview)
    await session.flush()
    await session.refresh(interview)
    return interview


async def get_interview(session: AsyncSession, interview_id: uuid.UUID) -> Interview | None:
    return await session.get(Interview, interview_id)


def _visible_to(user_id: uuid.UUID):  # type: ignore[no-untyped-def]
    granted = exists().where(
        InterviewAccess.interview_id == Interview.id, InterviewAccess.user_id == user_id
    )
    return or_(Interview.owner_id == user_id, granted)


async def get_visible_interview(
    session: AsyncSession, interview_id: uuid.UUID, user_id: uuid.UUID
) -> Interview | None:
    """The interview if ``user_id`` owns it or was granted access, else None."""
    result = await session.execute(
        select(Interview).where(Interview.id == interview_id, _visible_to(user_id))
    )
    return result.scalar_one_or_none()


async def list_visible_interviews(
    session: AsyncSession, user_id: uuid.UUID, *, limit: int = 100
) -> list[tuple[Interview, User]]:
    result = await session.execute(
        select(Interview, User)
        .join(User, User.id == Interview.owner_id)
        .where(_visible_to(user_id))
        .order_by(Interview.created_at.desc())
        .limit(limit)
    )
    return [(interview, owner) for interview, owner in result.all()]


async def get_interview_detail(session: AsyncSession, interview: Interview) -> InterviewDetail:
    owner = await session.get_one(User, interview.owner_id)
    questions = await session.scalars(
        select(Question)
        .where(Question.interview_id == interview.id)
        .order_by(Question.idx, Question.created_at)
    )
    answers = await session.scalars(
        select(Answer).where(Answer.interview_id == interview.id).order_by(Answer.started_seq)
    )
    analyses = await session.scalars(
        select(Analysis).where(Analysis.interview_id == interview.id).order_by(Analysis.created_seq)
    )
    observers = await session.scalars(
        select(User)
        .join(InterviewAccess, InterviewAccess.user_id == User.id)
        .where(InterviewAccess.interview_id == interview.id)
        .order_by(User.username)
    )
    recordings = await session.scalars(
        select(Recording)
        .where(Recording.interview_id == interview.id)
        .order_by(Recording.created_at, Recording.id)
    )
    return InterviewDetail(
        recordings=list(recordings),
        interview=interview,
        owner=owner,
        questions=list(questions),
        answers=list(answers),
        analyses=list(analyses),
        observers=list(observers),
    )
