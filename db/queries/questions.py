from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Interview, Question


async def questions_of(session: AsyncSession, interview_id: uuid.UUID) -> list[Question]:
    """The questions asked so far, in the order they were asked."""
    rows = await session.scalars(
        select(Question).where(Question.interview_id == interview_id).order_by(Question.asked_seq)
    )
    return list(rows)


async def recent_question_texts(
    session: AsyncSession, owner_id: uuid.UUID, *, exclude: uuid.UUID, interviews: int = 5
) -> list[str]:
    """The questions this user was asked in their latest other interviews, newest first."""
    recent = (
        select(Interview.id)
        .where(Interview.owner_id == owner_id, Interview.id != exclude)
        .order_by(Interview.created_at.desc())
        .limit(interviews)
        .scalar_subquery()
    )
    rows = await session.scalars(
        select(Question.text).where(Question.interview_id.in_(recent)).order_by(Question.created_at.desc())
    )
    return list(dict.fromkeys(rows))
