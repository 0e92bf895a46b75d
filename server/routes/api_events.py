"""The recorded side of an interview: its event log page by page, and its audio."""

from __future__ import annotations

import asyncio
import base64
import os
import re
import secrets
from pathlib import Path
from typing import Any, AsyncIterator

from quart import Blueprint, Response, request

from db.queries.events import events_after
from db.queries.recordings import recordings_of
from server import context
from server.accounts import require_account
from server.byte_ranges import ByteRange, Unsatisfiable, select_ranges
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
    if chosen is None:
        raise ApiError(404, "not_found", "no recording for this interview")
    # The file is found by the name the server gave it, never by anything in the request.
    path = context.app().recordings.path(chosen.file_name)
    size = chosen.size_bytes
    mime = chosen.mime.split(";")[0]
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "private, no-cache"}
    try:
        ranges = select_ranges(request.headers.get("Range"), size)
    except Unsatisfiable:
        headers["Content-Range"] = f"bytes */{size}"
        return Response(b"", status=416, headers=headers)
    if ranges is None:
        return _file_response(path, ByteRange(0, size) if size else None, 200, headers, mime)
    if len(ranges) == 1:
        headers["Content-Range"] = ranges[0].content_range(size)
        return _file_response(path, ranges[0], 206, headers, mime)
    return _multipart_response(path, ranges, size, headers, mime)


def _file_response(
    path: Path, byte_range: ByteRange | None, status: int, headers: dict[str, str], mime: str
) -> Response:
    """One piece of the file (``None``: the file is empty)."""
    length = byte_range.length if byte_range is not None else 0
    body: Any = b"" if request.method == "HEAD" or byte_range is None else _read(path, byte_range)
    response = Response(body, status=status, headers=headers, mimetype=mime)
    # An empty HEAD body must not set Content-Length to 0: it is the length a GET would send.
    response.content_length = length
    return response


def _multipart_response(
    path: Path, ranges: list[ByteRange], size: int, headers: dict[str, str], mime: str
) -> Response:
    """Several disjoint ranges: one ``multipart/byteranges`` body (RFC 9110, 14.6)."""
    boundary = secrets.token_hex(16)
    heads = [
        f"--{boundary}\r\nContent-Type: {mime}\r\nContent-Range: {r.content_range(size)}\r\n\r\n"
        .encode() for r in ranges
    ]
    tail = f"--{boundary}--\r\n".encode()
    length = sum(len(h) + r.length + 2 for h, r in zip(heads, ranges)) + len(tail)

    async def parts() -> AsyncIterator[bytes]:
        for head, byte_range in zip(heads, ranges):
            yield head
            async for chunk in _read(path, byte_range):
                yield chunk
            yield b"\r\n"
        yield tail

    body: Any = b"" if request.method == "HEAD" else parts()
    response = Response(
        body, status=206, headers=headers,
        content_type=f"multipart/byteranges; boundary={boundary}",
    )
    response.content_length = length
    return response


async def _read(path: Path, byte_range: ByteRange) -> AsyncIterator[bytes]:
    with open(path, "rb") as file:
        position, end = byte_range.start, byte_range.stop
        while position < end:
            size = min(READ_SIZE, end - position)
            chunk = await asyncio.to_thread(_pread, file.fileno(), size, position)
            if not chunk:
                break
            position += len(chunk)
            yield chunk


def _pread(fd: int, size: int, offset: int) -> bytes:
    return os.pread(fd, size, offset)
