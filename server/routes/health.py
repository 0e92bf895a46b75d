from __future__ import annotations

from quart import Blueprint, Response

from server import context
from server.http import respond

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
async def healthz() -> Response:
    """The process is up and serving."""
    return respond({"status": "ok"})


@blueprint.get("/readyz")
async def readyz() -> Response:
    """Ready for traffic: the database answers."""
    if await context.db().is_reachable():
        return respond({"status": "ready", "database": "ok"})
    return respond({"status": "unavailable", "database": "unreachable"}, status=503)
