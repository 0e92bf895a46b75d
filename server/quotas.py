"""Per-user rate limits of the HTTP API: how many interviews and websocket tickets one
account may ask for. Failed logins are limited separately (``server/login.py``)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import User
from db.queries.quotas import use_quota
from server.errors import ApiError
from server.settings import Settings


@dataclass(frozen=True)
class Quota:
    action: str
    limit: int
    window_s: int
    what: str  # says, in the refusal, what was used up


def interview_quota(settings: Settings) -> Quota:
    return Quota("interview", settings.interviews_per_hour, 3600, "interviews created in an hour")


def ticket_quota(settings: Settings) -> Quota:
    return Quota("ticket", settings.tickets_per_minute, 60, "tickets issued in a minute")


async def spend(session: AsyncSession, quota: Quota, user: User) -> None:
    """Count one use by ``user`` in this transaction; 429 ``rate_limited`` when used up (the
    refused attempt is not counted, and ``Retry-After`` says when one use frees up)."""
    retry_after = await use_quota(
        session, action=quota.action, subject=str(user.id), limit=quota.limit,
        window_s=quota.window_s,
    )
    if retry_after is not None:
        raise ApiError(
            429,
            "rate_limited",
            f"too many requests: at most {quota.limit} {quota.what}; try again later",
            headers={"Retry-After": str(math.ceil(retry_after))},
        )
