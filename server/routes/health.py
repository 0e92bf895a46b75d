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
    """Ready for traffic: the database answers and the hub stores events and hears other
    processes (not while it is degraded after an outage or draining to shut down)."""
    hub = context.app().hub
    body = {
        "database": "ok" if await context.db().is_reachable() else "unreachable",
        "event_log": "ok" if hub.writer.is_healthy() else "degraded",
        "buffered_frames": hub.writer.buffered_frames,
        "notifications": "ok" if hub.listener.connected.is_set() else "reconnecting",
        "shutting_down": hub.draining,
    }
    if body["database"] == "ok" and hub.ready:
        return respond({"status": "ready", **body})
    return respond({"status": "unavailable", **body}, status=503)
