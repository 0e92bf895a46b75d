"""Checking credentials, with failed attempts limited per account and per address."""

from __future__ import annotations

from db.models import User
from db.queries.login_failures import clear_failures, recent_failures, record_failure
from db.queries.users import get_user_by_username
from server import context
from server.errors import ApiError
from server.passwords import verify_password
from server.validation import Credentials


class LoginRefused(Exception):
    """Wrong username or password (deliberately not saying which)."""


async def authenticate(credentials: Credentials, address: str) -> User:
    """The account for these credentials; raises 429 ApiError when throttled, else LoginRefused."""
    settings = context.settings()
    async with context.db().transaction() as session:
        by_user, by_address = await recent_failures(
            session,
            username=credentials.username,
            address=address,
            window_s=settings.login_failure_window_s,
        )
        if (
            by_user >= settings.login_max_failures_per_account
            or by_address >= settings.login_max_failures_per_address
        ):
            raise ApiError(
                429,
                "rate_limited",
                "too many failed logins; wait a few minutes and try again",
                headers={"Retry-After": str(settings.login_failure_window_s)},
            )
        user = await get_user_by_username(session, credentials.username)
    password_ok = await verify_password(
        user.password_hash if user else None, credentials.password
    )
    async with context.db().transaction() as session:
        if user is None or not password_ok:
            await record_failure(session, username=credentials.username, address=address)
        else:
            await clear_failures(
                session, username=user.username, older_than_s=settings.login_failure_window_s
            )
    if user is None or not password_ok:
        raise LoginRefused("wrong username or password")
    return user
