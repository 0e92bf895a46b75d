from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import User


class UsernameTaken(Exception):
    """Another account already uses this username."""


async def create_user(
    session: AsyncSession, *, username: str, password_hash: str, role: str, display_name: str
) -> User:
    user = User(
        username=username, password_hash=password_hash, role=role, display_name=display_name
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise UsernameTaken(username) from exc
    return user


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def get_user_by_username(session: AsyncSession, username: str) -> User | None:
    result = await session.execute(select(User).where(User.username == username))
    return result.scalar_one_or_none()
