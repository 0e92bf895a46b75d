"""The data-lifecycle actions as a logged-in user asks for them (HTTP API and pages share
these): who may do what, then the lifecycle module, then the live sockets."""

from __future__ import annotations

import uuid
from typing import AsyncIterator

from quart import request

from db.models import Interview, User
from server import context
from server.errors import ApiError
from server.interviews import visible_interview
from server.lifecycle.deletion import DeletedAccount, delete_account, delete_interview
from server.lifecycle.export_format import BadExport
from server.lifecycle.importing import ImportConflict, TooLarge, import_interview
from server.login import LoginRefused, authenticate
from server.validation import Invalid, credentials


async def owned_interview(raw_id: str, user: User) -> Interview:
    """The interview if ``user`` owns it; 403 for an observer, 404 for anyone else."""
    async with context.db().transaction() as session:
        interview = await visible_interview(session, raw_id, user)
    if interview.owner_id != user.id:
        raise ApiError(403, "forbidden", "only the candidate who owns the interview does this")
    return interview


async def remove_interview(interview: Interview) -> None:
    app = context.app()
    await delete_interview(app.db, app.recordings.root, interview.id, app.uploads.root)
    # NOTIFY reaches every process (this one too); closing here as well does not wait on it.
    app.hub.withdraw(interview.id, None)


async def confirm_password(user: User, password: object) -> None:
    """Ask for the password again before something irreversible (throttled like a login)."""
    try:
        await authenticate(credentials({"username": user.username, "password": password}),
                           request.remote_addr or "unknown")
    except (Invalid, LoginRefused):
        raise ApiError(403, "forbidden", "the password is not correct") from None


async def remove_account(user: User) -> DeletedAccount:
    app = context.app()
    deleted = await delete_account(app.db, app.recordings.root, user.id, app.uploads.root)
    if deleted is None:
        raise ApiError(404, "not_found", "account not found")
    for interview_id in deleted.interviews:
        app.hub.withdraw(interview_id, None)
    for interview_id in deleted.observed:
        app.hub.withdraw(interview_id, str(user.id))
    return deleted


async def import_file(user: User, chunks: AsyncIterator[bytes]) -> uuid.UUID:
    """Import an export file as ``user``'s interview; clear 4xx errors for bad files."""
    if user.role != "candidate":
        raise ApiError(403, "forbidden", "only candidates own interviews; import as a candidate")
    app = context.app()
    limit = app.settings.import_max_bytes
    try:
        return await import_interview(app.db, app.recordings, user, chunks, max_bytes=limit)
    except TooLarge as error:
        raise ApiError(413, "too_large", str(error)) from None
    except BadExport as error:
        raise ApiError(422, "invalid", f"not an importable interview: {error}") from None
    except ImportConflict as error:
        raise ApiError(409, "conflict", str(error)) from None
