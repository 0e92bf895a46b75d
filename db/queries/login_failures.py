"""Failed logins, counted per account and per address for rate limiting."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import LoginFailure


async def recent_failures(
    session: AsyncSession, *, username: str, address: str, window_s: int
) -> tuple[int, int]:
    """How many logins failed within the window: (for this username, from this address)."""
    since = datetime.now(timezone.utc) - timedelta(seconds=window_s)
    by_user = await session.scalar(
        select(func.count()).where(LoginFailure.username == username, LoginFailure.at >= since)
    )
    by_address = await session.scalar(
        select(func.count()).where(LoginFailure.address == address, LoginFailure.at >= since)
    )
    return int(by_user or 0), int(by_address or 0)


async def record_failure(session: AsyncSession, *, username: str, address: str) -> None:
    session.add(LoginFailure(username=username[:64], address=address[:64]))
    await session.flush()


async def clear_failures(session: AsyncSession, *, username: str, older_than_s: int) -> None:
    """Forget this account's failures after a good login, and everyone's stale ones."""
    stale = datetime.now(timezone.utc) - timedelta(seconds=older_than_s)
    await session.execute(
        delete(LoginFailure).where((LoginFailure.username == username) | (LoginFailure.at < stale))
    )
