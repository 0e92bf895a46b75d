from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Question


async def questions_of(session: AsyncSession, interview_id: uuid.UUID) -> list[Question]:
    """The questions asked so far, in the order they were asked."""
    rows = await session.scalars(
        select(Question).where(Question.interview_id == interview_id).order_by(Question.asked_seq)
    )
    return list(rows)
