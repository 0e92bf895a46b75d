"""``GET /metrics``: Prometheus text format, for a scraper holding ``METRICS_TOKEN``.

Without a token configured the route answers 404 (metrics are then only on
``METRICS_ADDRESS``, the separate listener ``serve`` starts for a private network).
"""

from __future__ import annotations

import hmac

from quart import Blueprint, Response, request

from server import context
from server.errors import ApiError
from server.observability.metrics import exposition

blueprint = Blueprint("metrics", __name__)


@blueprint.get("/metrics")
async def scrape() -> Response:
    token = context.settings().metrics_token
    if token is None:
        raise ApiError(404, "not_found", "metrics are not served here")
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        raise ApiError(401, "not_authenticated", "send Authorization: Bearer <METRICS_TOKEN>",
                       headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    body, content_type = exposition()
    return Response(body, status=200, content_type=content_type,
                    headers={"Cache-Control": "no-store"})
