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
    """Ready for traffic: the database answers and the event writer can write."""
    database = await context.db().is_reachable()
    writer = context.app().hub.writer.is_healthy()
    body = {
        "status": "ready" if database and writer else "unavailable",
        "database": "ok" if database else "unreachable",
        "event_writer": "ok" if writer else "failing",
    }
    return respond(body, status=200 if database and writer else 503)
