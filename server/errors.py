"""API errors as JSON ``{error: {code, message}}``, mapped in one place."""

from __future__ import annotations

from typing import Any

from quart import Quart, Response, has_request_context, jsonify, request
from werkzeug.exceptions import HTTPException

from server.hub.held_connection import is_connection_error

_STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "internal",
    503: "unavailable",
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.details = details


def not_found(what: str = "interview") -> ApiError:
    """The same answer whether the thing is missing or belongs to someone else."""
    return ApiError(404, "not_found", f"{what} not found")


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    response = jsonify({"error": body})
    response.status_code = status
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best in (
        "application/json",
        "application/msgpack",
    )


def register_error_handlers(app: Quart) -> None:
    @app.errorhandler(ApiError)
    async def handle_api_error(error: ApiError) -> Response:
        response = error_response(error.status, error.code, error.message, error.details)
        response.headers.update(error.headers)
        return response

    @app.errorhandler(HTTPException)
    async def handle_http_exception(error: HTTPException) -> Any:
        status = error.code or 500
        if _wants_json():
            return error_response(
                status, _STATUS_CODES.get(status, "error"), error.description or error.name
            )
        return error

    @app.errorhandler(Exception)
    async def handle_unexpected(error: Exception) -> Any:
        if not has_request_context():
            app.logger.error("unhandled error on a websocket", exc_info=error)
            raise error
        if is_connection_error(error):
            # The database (or storage) is away: a retry later will do, so say so instead
            # of "internal".
            app.logger.warning("unavailable on %s %s: %s", request.method, request.path, error)
            if _wants_json():
                response = error_response(
                    503, "unavailable", "a service this request needs is unavailable; retry shortly"
                )
            else:
                response = Response("The service is briefly unavailable; retry shortly.",
                                    status=503, mimetype="text/plain")
            response.headers["Retry-After"] = "2"
            return response
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if _wants_json():
            return error_response(500, "internal", "internal server error")
        return Response("Internal server error", status=500, mimetype="text/plain")
