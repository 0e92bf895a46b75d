"""Per-user quotas: uses of an action counted in a sliding window."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import QuotaUse


async def use_quota(
    session: AsyncSession, *, action: str, subject: str, limit: int, window_s: int,
    now: datetime | None = None,
) -> float | None:
    """Record one use of ``action`` by ``subject`` unless ``limit`` uses already fall within
    the last ``window_s`` seconds; then nothing is recorded and the answer is the number of
    seconds until the oldest of them leaves the window (``None`` means the use was counted)."""
    now = now or datetime.now(timezone.utc)
    since = now - timedelta(seconds=window_s)
    # Concurrent requests of one subject take turns, so two cannot both take the last use.
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"quota:{action}:{subject}"},
    )
    await session.execute(delete(QuotaUse).where(QuotaUse.action == action, QuotaUse.at < since))
    used, oldest = (
        await session.execute(
            select(func.count(), func.min(QuotaUse.at)).where(
                QuotaUse.action == action, QuotaUse.subject == subject, QuotaUse.at >= since
            )
        )
    ).one()
    if used >= limit:
        return max((oldest - since).total_seconds(), 1.0)
    session.add(QuotaUse(action=action, subject=subject, at=now))
    await session.flush()
    return None
