"""The owner's data: export and import of one interview, deleting an interview or the
account, and the archive of everything."""

from __future__ import annotations

from typing import AsyncIterator

from quart import Blueprint, Response, request
from werkzeug.exceptions import RequestEntityTooLarge

from server import context
from server.accounts import end_session, require_account
from server.errors import ApiError
from server.http import read_body, respond
from server.interviews import interview_summary, visible_interview
from server.lifecycle.actions import (
    confirm_password,
    import_file,
    owned_interview,
    remove_account,
    remove_interview,
)
from server.lifecycle.archive import account_archive
from server.lifecycle.export_format import EXTENSION, MIME
from server.lifecycle.exporting import export_interview

blueprint = Blueprint("api_data", __name__, url_prefix="/api")


async def _nonempty(pieces: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    async for piece in pieces:
        if piece:
            yield piece


def _download(body: AsyncIterator[bytes], mimetype: str, filename: str) -> Response:
    response = Response(_nonempty(body), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.timeout = None  # type: ignore[assignment]  # large files take their time
    return response


@blueprint.get("/interviews/<interview_id>/export")
async def export(interview_id: str) -> Response:
    """The interview as one export file, for anyone who may observe it."""
    user = await require_account()
    async with context.db().transaction() as session:
        interview = await visible_interview(session, interview_id, user)
    app = context.app()
    return _download(export_interview(app.db, interview), MIME,
                     f"interview-{interview.id}.{EXTENSION}")


async def _body() -> AsyncIterator[bytes]:
    try:
        async for piece in request.body:
            yield piece
    except RequestEntityTooLarge:
        raise ApiError(413, "too_large", "the file is larger than the import limit") from None


@blueprint.post("/interviews/import")
async def import_() -> Response:
    """An export file as the body; the importing candidate owns the new interview."""
    user = await require_account()
    interview_id = await import_file(user, _body())
    async with context.db().transaction() as session:
        interview = await visible_interview(session, str(interview_id), user)
    return respond(interview_summary(interview, user), status=201,
                   headers={"Location": f"/api/interviews/{interview_id}"})


@blueprint.delete("/interviews/<interview_id>")
async def delete(interview_id: str) -> Response:
    """Delete the interview with everything about it (its owner only)."""
    user = await require_account()
    await remove_interview(await owned_interview(interview_id, user))
    return Response(status=204)


@blueprint.get("/account/archive")
async def archive() -> Response:
    """Everything about the account as a zip: interviews, transcripts, analyses, recordings."""
    user = await require_account()
    app = context.app()
    return _download(account_archive(app.db, app.recordings, user), "application/zip",
                     f"interview-engine-{user.username}.zip")


@blueprint.delete("/account")
async def delete_account() -> Response:
    """Delete the account and all its interviews; the body repeats the password."""
    user = await require_account()
    body = await read_body()
    await confirm_password(user, body.get("password"))
    await remove_account(user)
    end_session()
    return Response(status=204)
