"""Observer grants: which instructors may watch and replay an interview."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import InterviewAccess


async def grant_access(session: AsyncSession, interview_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """Grant access; False when it was already granted."""
    result = await session.execute(
        insert(InterviewAccess)
        .values(interview_id=interview_id, user_id=user_id)
        .on_conflict_do_nothing()
        .returning(InterviewAccess.user_id)
    )
    return result.scalar_one_or_none() is not None


async def revoke_access(session: AsyncSession, interview_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    result = await session.execute(
        delete(InterviewAccess)
        .where(InterviewAccess.interview_id == interview_id, InterviewAccess.user_id == user_id)
        .returning(InterviewAccess.user_id)
    )
    return result.scalar_one_or_none() is not None


async def has_access(session: AsyncSession, interview_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    result = await session.execute(
        select(InterviewAccess.user_id).where(
            InterviewAccess.interview_id == interview_id, InterviewAccess.user_id == user_id
        )
    )
    return result.scalar_one_or_none() is not None
