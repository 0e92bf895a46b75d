"""Request bodies and responses of the JSON API, in JSON or MessagePack."""

from __future__ import annotations

import json
from typing import Any, Callable, Mapping, TypeVar

import msgpack
from quart import Response, request

from server.errors import ApiError
from server.validation import Invalid

T = TypeVar("T")

MSGPACK = "application/msgpack"
MAX_BODY_BYTES = 64 * 1024


async def read_body() -> dict[str, Any]:
    """The request's JSON or MessagePack map; anything else is a clear 4xx."""
    mimetype = request.mimetype
    if mimetype not in ("application/json", MSGPACK, "application/x-msgpack"):
        raise ApiError(
            415, "unsupported_media_type", "send application/json or application/msgpack"
        )
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise ApiError(413, "too_large", f"body larger than {MAX_BODY_BYTES} bytes")
    raw = await request.get_data(cache=False, as_text=False)
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(413, "too_large", f"body larger than {MAX_BODY_BYTES} bytes")
    try:
        if mimetype == "application/json":
            data = json.loads(raw) if raw else {}
        else:
            data = msgpack.unpackb(raw, raw=False) if raw else {}
    except (ValueError, msgpack.UnpackException, TypeError):
        raise ApiError(400, "bad_request", "the body is not valid " + mimetype) from None
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "the body must be an object")
    return data


async def read_valid(parse: Callable[[Mapping[str, Any]], T]) -> T:
    """The request body checked by ``parse``; its problems become a 422 naming each field."""
    try:
        return parse(await read_body())
    except Invalid as error:
        raise ApiError(422, "invalid", str(error), details=error.problems) from None


def wants_msgpack() -> bool:
    accept = request.accept_mimetypes
    return accept.quality(MSGPACK) > accept.quality("application/json")


def respond(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    if wants_msgpack():
        body = msgpack.packb(data, use_bin_type=True)
        response = Response(body, status=status, mimetype=MSGPACK)
    else:
        response = Response(
            json.dumps(data, separators=(",", ":"), ensure_ascii=False),
            status=status,
            mimetype="application/json",
        )
    response.headers["Vary"] = "Accept"
    if headers:
        response.headers.update(headers)
    return response
