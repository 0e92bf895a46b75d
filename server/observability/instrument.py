"""Wiring the metrics into the app: HTTP timings per route, and the gauges read at scrape
time from the hub and the database pool."""

from __future__ import annotations

import logging
import time
from typing import Any

from quart import Response, g, request

from server.context import EngineApp
from server.observability import metrics

log = logging.getLogger("server.http")
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})


def _route() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else "unmatched"


def instrument_http(app: EngineApp) -> None:
    @app.before_request
    async def started() -> None:
        g._started = time.perf_counter()

    @app.after_request
    async def finished(response: Response) -> Response:
        started = g.get("_started")
        if started is None:
            return response
        seconds = time.perf_counter() - started
        route = _route()
        metrics.HTTP_LATENCY.labels(route, request.method).observe(seconds)
        metrics.HTTP_RESPONSES.labels(route, f"{response.status_code // 100}xx").inc()
        account = g.get("_account")
        # The route template, never the query string (websocket tickets travel there).
        # Probes and scrapes come every few seconds: they are logged only when debugging.
        level = logging.DEBUG if route in QUIET_ROUTES else logging.INFO
        log.log(level, "%s %s %s", request.method, route, response.status_code, extra={
            "route": route, "method": request.method, "status": response.status_code,
            "duration_ms": round(seconds * 1000, 1),
            "user_id": str(account.id) if account is not None else None,
            "interview_id": (request.view_args or {}).get("interview_id"),
        })
        return response


def observe_resources(app: EngineApp) -> None:
    """Point the state gauges at this app's hub and database (called once they exist)."""
    hub: Any = app.hub

    def observer_depths() -> list[int]:
        return [len(c.outbox) for c in list(hub.connections) if c.role == "observer"]

    metrics.observe_with(metrics.LIVE_ROOMS, lambda: len(hub.rooms))
    metrics.observe_with(metrics.OBSERVER_QUEUE_DEPTH, lambda: sum(observer_depths()))
    metrics.observe_with(metrics.OBSERVER_QUEUE_MAX, lambda: max(observer_depths(), default=0))
    metrics.observe_with(metrics.WRITER_HEALTHY, lambda: float(hub.writer.is_healthy()))
    pool: Any = app.db.engine.pool
    metrics.observe_with(metrics.DB_POOL_CHECKED_OUT, lambda: pool.checkedout())
    metrics.observe_with(metrics.DB_POOL_SIZE, lambda: pool.checkedin() + pool.checkedout())
