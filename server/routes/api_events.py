"""The recorded side of an interview: its event log page by page, and its audio."""

from __future__ import annotations

import asyncio
import base64
import os
import re
from pathlib import Path
from typing import Any, AsyncIterator

from quart import Blueprint, Response, request
from werkzeug.http import parse_range_header

from db.queries.events import events_after
from db.queries.recordings import recordings_of
from server import context
from server.accounts import require_account
from server.errors import ApiError
from server.http import respond, wants_msgpack
from server.hub.events import from_row
from server.interviews import visible_interview

blueprint = Blueprint("api_events", __name__, url_prefix="/api/interviews")

DEFAULT_LIMIT = 500
MAX_LIMIT = 5000
READ_SIZE = 64 * 1024


def _int_arg(name: str, default: int, minimum: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    # Plain ASCII digits only: int() would also take "1_000", " 5 " or non-ASCII digits.
    if re.fullmatch(r"-?[0-9]{1,20}", raw) is None:
        raise ApiError(400, "bad_request", f"{name} must be a whole number")
    value = int(raw)
    if not minimum <= value <= maximum:
        raise ApiError(400, "bad_request", f"{name} must be between {minimum} and {maximum}")
    return value


def _json_safe(value: Any) -> Any:
    """JSON cannot carry bytes: audio data becomes base64 text there (MessagePack keeps bin)."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    return value


@blueprint.get("/<interview_id>/events")
async def events(interview_id: str) -> Response:
    user = await require_account()
    after = _int_arg("after", 0, 0, 2**62)
    limit = _int_arg("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    async with context.db().transaction() as session:
        interview = await visible_interview(session, interview_id, user)
        rows = await events_after(session, interview.id, after, limit)
        head = interview.head_seq
    documents = [
        from_row(row).document() for row in rows
    ]
    if not wants_msgpack():
        documents = _json_safe(documents)
    return respond({"events": documents, "head": head})


@blueprint.route("/<interview_id>/recording", methods=["GET", "HEAD"])
async def recording(interview_id: str) -> Response:
    user = await require_account()
    async with context.db().transaction() as session:
        interview = await visible_interview(session, interview_id, user)
        recordings = await recordings_of(session, interview.id)
    wanted = request.args.get("stream")
    chosen = next(
        (r for r in recordings if wanted is None or r.stream == wanted), None
    )
    if chosen is None or chosen.size_bytes == 0:
        raise ApiError(404, "not_found", "no recording for this interview")
    path = context.app().recordings.path(chosen.file_name)
    size = chosen.size_bytes
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "private, no-cache"}
    start, end, status = 0, size, 200
    header = request.headers.get("Range")
    ranges = parse_range_header(header) if header else None
    # A Range this server cannot use (another unit, several ranges, bad syntax) is ignored.
    if ranges is not None and ranges.units == "bytes" and len(ranges.ranges) == 1:
        start, stop = ranges.ranges[0]
        if stop is None and start < 0:
            # A suffix longer than the recording means all of it (RFC 9110, 14.1.2).
            start = max(size + start, 0)
        end = size if stop is None else min(stop, size)
        if start >= end:
            headers["Content-Range"] = f"bytes */{size}"
            return Response(b"", status=416, headers=headers)
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    headers["Content-Length"] = str(end - start)
    body: Any = b"" if request.method == "HEAD" else _read(path, start, end)
    response = Response(body, status=status, headers=headers, mimetype=chosen.mime.split(";")[0])
    # An empty HEAD body must not set Content-Length to 0: it is the length a GET would send.
    response.content_length = end - start
    return response


async def _read(path: Path, start: int, end: int) -> AsyncIterator[bytes]:
    with open(path, "rb") as file:
        position = start
        while position < end:
            size = min(READ_SIZE, end - position)
            chunk = await asyncio.to_thread(_pread, file.fileno(), size, position)
            if not chunk:
                break
            position += len(chunk)
            yield chunk


def _pread(fd: int, size: int, offset: int) -> bytes:
    return os.pread(fd, size, offset)
