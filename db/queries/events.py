"""Reading the event log (writes go through the hub's batching writer)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Event, Interview, Recording, RefusedFrame


async def events_after(
    session: AsyncSession, interview_id: uuid.UUID, after: int, limit: int,
    upto: int | None = None, leave_out: tuple[str, ...] = (),
) -> list[Row[Any]]:
    """Logged events with ``after < seq`` (and ``seq <= upto`` when given), in order,
    without the kinds in ``leave_out``: plain rows with the columns of :class:`Event` as
    attributes (no ORM objects: a replay reads tens of thousands)."""
    query = select(*Event.__table__.columns).where(
        Event.interview_id == interview_id, Event.seq > after
    )
    if upto is not None:
        query = query.where(Event.seq <= upto)
    if leave_out:
        query = query.where(Event.kind.not_in(leave_out))
    result = await session.execute(query.order_by(Event.seq).limit(limit))
    return list(result)


async def heads_of(session: AsyncSession, interview_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """The log head of each interview (those that still exist)."""
    rows = await session.execute(
        select(Interview.id, Interview.head_seq).where(Interview.id.in_(interview_ids))
    )
    return {interview_id: head for interview_id, head in rows}


async def stream_position(
    session: AsyncSession, interview_id: uuid.UUID, stream: str
) -> tuple[int, int]:
    """Where a client stream stands, read in one snapshot: the highest client seq stored or
    refused (0 when none), and the audio chunk its recording expects next."""
    stored = select(func.max(Event.client_seq)).where(
        Event.interview_id == interview_id, Event.stream == stream
    ).scalar_subquery()
    refused = select(func.max(RefusedFrame.client_seq)).where(
        RefusedFrame.interview_id == interview_id, RefusedFrame.stream == stream
    ).scalar_subquery()
    chunk = select(Recording.next_chunk).where(
        Recording.interview_id == interview_id, Recording.stream == stream
    ).scalar_subquery()
    row: Any = (await session.execute(select(stored, refused, chunk))).one()
    return max(int(row[0] or 0), int(row[1] or 0)), int(row[2] or 0)
