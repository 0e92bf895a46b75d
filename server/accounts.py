"""Who is asking: the logged-in account behind the Quart-Auth session cookie."""

from __future__ import annotations

import uuid
from typing import Any

from quart import g
from sqlalchemy.ext.asyncio import AsyncSession
from quart_auth import AuthUser, current_user, login_user, logout_user

from db.models import User
from db.queries.users import UsernameTaken, create_user, get_user
from server import context
from server.errors import ApiError
from server.passwords import hash_password
from server.validation import Registration

_UNSET: Any = object()


async def current_account() -> User | None:
    """The logged-in user, loaded once per request; None for anonymous or deleted accounts."""
    cached = g.get("_account", _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[no-any-return]
    account: User | None = None
    auth_id = current_user.auth_id
    if auth_id is not None:
        try:
            user_id = uuid.UUID(auth_id)
        except ValueError:
            user_id = None
        if user_id is not None:
            async with context.db().sessions() as session:
                account = await get_user(session, user_id)
    g._account = account
    return account


async def require_account() -> User:
    account = await current_account()
    if account is None:
        raise ApiError(401, "not_authenticated", "log in first")
    return account


def start_session(user: User) -> None:
    login_user(AuthUser(str(user.id)), remember=True)
    g._account = user


def end_session() -> None:
    logout_user()
    g._account = None


def public_user(user: User) -> dict[str, Any]:
    return {
        "id": str(user.id),
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
    }


async def register(session: AsyncSession, form: Registration) -> User:
    password_hash = await hash_password(form.password)
    try:
        return await create_user(
            session,
            username=form.username,
            password_hash=password_hash,
            role=form.role,
            display_name=form.display_name,
        )
    except UsernameTaken:
        raise ApiError(409, "conflict", "that username is taken") from None
