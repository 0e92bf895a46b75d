"""``/api/interviews/<id>/resume``: the résumé an interview is tailored to.

``PUT`` or ``POST`` a file as ``multipart/form-data`` (part ``file``) or as the raw body;
its type is told by its content, never by its name or ``Content-Type``."""

from __future__ import annotations

from quart import Blueprint, Response, request

from server import context
from server.accounts import require_account
from server.errors import ApiError
from server.http import respond
from server.interviews import visible_interview
from server.resume_uploads import attach, check_may_change, detach, read_upload, resume_summary

blueprint = Blueprint("api_resume", __name__, url_prefix="/api/interviews")

# Room for the multipart envelope around the file.
ENVELOPE_BYTES = 64 * 1024


async def uploaded_file(max_bytes: int) -> tuple[bytes, str]:
    """The uploaded bytes and the name they came with (for display only)."""
    limit = max_bytes + ENVELOPE_BYTES
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413, "too_large", f"the résumé may be at most {max_bytes:,} bytes")
    if request.mimetype == "multipart/form-data":
        files = await request.files
        upload = files.get("file")
        if upload is None:
            raise ApiError(422, "invalid", "send the résumé in the form part named 'file'",
                           details={"file": "required"})
        data = upload.read(max_bytes + 1)
        return data, upload.filename or ""
    data = await request.get_data(cache=False, as_text=False)
    return data, ""


@blueprint.route("/<interview_id>/resume", methods=["PUT", "POST"])
async def upload(interview_id: str) -> Response:
    user = await require_account()
    settings = context.settings()
    async with context.db().transaction() as session:
        check_may_change(await visible_interview(session, interview_id, user), user)
    data, name = await uploaded_file(settings.resume_max_bytes)
    document = await read_upload(data, settings.resume_max_bytes)
    store = context.app().uploads
    stored = ""
    try:
        async with context.db().transaction() as session:
            interview = await visible_interview(session, interview_id, user)
            check_may_change(interview, user)
            previous = attach(session, interview, document, data, name, store)
            stored = interview.resume_file or ""
            summary = resume_summary(interview)
    except BaseException:
        store.remove(stored)
        raise
    store.remove(previous)
    return respond({"resume": summary}, status=201,
                   headers={"Location": f"/api/interviews/{interview_id}/resume"})


@blueprint.delete("/<interview_id>/resume")
async def remove(interview_id: str) -> Response:
    user = await require_account()
    async with context.db().transaction() as session:
        interview = await visible_interview(session, interview_id, user)
        check_may_change(interview, user)
        if not interview.resume_file:
            raise ApiError(404, "not_found", "this interview has no résumé")
        previous = detach(interview)
    context.app().uploads.remove(previous)
    return Response(status=204)
