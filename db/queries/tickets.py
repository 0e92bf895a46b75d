"""Single-use websocket tickets. Only a hash of the token is stored."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Ticket


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def issue_ticket(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    interview_id: uuid.UUID,
    role: str,
    ttl_s: int,
    now: datetime | None = None,
) -> str:
    now = now or datetime.now(timezone.utc)
    await session.execute(delete(Ticket).where(Ticket.expires_at < now))
    token = secrets.token_urlsafe(32)
    session.add(
        Ticket(
            token_hash=_hash(token),
            user_id=user_id,
            interview_id=interview_id,
            role=role,
            expires_at=now + timedelta(seconds=ttl_s),
        )
    )
    await session.flush()
    return token


async def redeem_ticket(
    session: AsyncSession, token: str, interview_id: uuid.UUID, now: datetime | None = None
) -> Ticket | None:
    """Consume the ticket: it works once, for its interview, before it expires."""
    now = now or datetime.now(timezone.utc)
    result = await session.execute(
        delete(Ticket).where(Ticket.token_hash == _hash(token)).returning(Ticket)
    )
    ticket = result.scalar_one_or_none()
    if ticket is None or ticket.interview_id != interview_id or ticket.expires_at <= now:
        return None
    return ticket
