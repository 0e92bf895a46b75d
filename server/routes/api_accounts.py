"""``/api/users`` and ``/api/session``: accounts and logging in and out."""

from __future__ import annotations

from quart import Blueprint, Response, request

from server import context
from server.accounts import (
    current_account,
    end_session,
    public_user,
    register,
    require_account,
    start_session,
)
from server.errors import ApiError
from server.http import read_valid, respond
from server.login import LoginRefused, authenticate
from server.validation import credentials, registration

blueprint = Blueprint("api_accounts", __name__, url_prefix="/api")


@blueprint.post("/users")
async def create_user() -> Response:
    form = await read_valid(registration)
    async with context.db().transaction() as session:
        user = await register(session, form)
    return respond(public_user(user), status=201)


@blueprint.post("/session")
async def log_in() -> Response:
    creds = await read_valid(credentials)
    try:
        user = await authenticate(creds, request.remote_addr or "unknown")
    except LoginRefused as refused:
        raise ApiError(401, "not_authenticated", str(refused)) from None
    start_session(user)
    return respond({"user": public_user(user)})


@blueprint.get("/session")
async def who_am_i() -> Response:
    user = await require_account()
    return respond({"user": public_user(user)})


@blueprint.delete("/session")
async def log_out() -> Response:
    if await current_account() is not None:
        end_session()
    return Response(status=204)
