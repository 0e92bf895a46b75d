"""Reading the event log (writes go through the hub's batching writer)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Event


async def events_after(
    session: AsyncSession, interview_id: uuid.UUID, after: int, limit: int, upto: int | None = None
) -> list[Event]:
    """Logged events with ``after < seq`` (and ``seq <= upto`` when given), in order."""
    query = select(Event).where(Event.interview_id == interview_id, Event.seq > after)
    if upto is not None:
        query = query.where(Event.seq <= upto)
    result = await session.scalars(query.order_by(Event.seq).limit(limit))
    return list(result)


async def acked_upto(session: AsyncSession, interview_id: uuid.UUID, stream: str) -> int:
    """The highest client seq of ``stream`` stored in the log (0 when none)."""
    value: Any = await session.scalar(
        select(func.max(Event.client_seq)).where(
            Event.interview_id == interview_id, Event.stream == stream
        )
    )
    return int(value or 0)


async def flow_events(
    session: AsyncSession, interview_id: uuid.UUID, after: int, upto: int, limit: int
) -> list[Event]:
    """The events that shape the interview's flow (all but face and audio frames)."""
    result = await session.scalars(
        select(Event)
        .where(
            Event.interview_id == interview_id,
            Event.seq > after,
            Event.seq <= upto,
            Event.kind.not_in(("face", "audio")),
        )
        .order_by(Event.seq)
        .limit(limit)
    )
    return list(result)
