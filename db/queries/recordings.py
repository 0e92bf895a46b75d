from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Recording


async def recordings_of(session: AsyncSession, interview_id: uuid.UUID) -> list[Recording]:
    result = await session.scalars(
        select(Recording)
        .where(Recording.interview_id == interview_id)
        .order_by(Recording.created_at, Recording.id)
    )
    return list(result)
