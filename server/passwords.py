"""Password hashing with scrypt (werkzeug), with constant work for unknown users."""

from __future__ import annotations

import asyncio

from werkzeug.security import check_password_hash, generate_password_hash

_METHOD = "scrypt:32768:8:1"
# Verified when the username does not exist, so the answer takes as long either way.
_DUMMY_HASH = generate_password_hash("not a real password", method=_METHOD)

MIN_LENGTH = 8
MAX_LENGTH = 256


def password_problem(password: str) -> str | None:
    if len(password) < MIN_LENGTH:
        return f"password must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"password must be at most {MAX_LENGTH} characters"
    return None


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(generate_password_hash, password, _METHOD)


async def verify_password(password_hash: str | None, password: str) -> bool:
    if password_hash is None:
        await asyncio.to_thread(check_password_hash, _DUMMY_HASH, password)
        return False
    return await asyncio.to_thread(check_password_hash, password_hash, password)
