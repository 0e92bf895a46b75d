"""``METRICS_ADDRESS``: the metrics on a listener of their own (a private interface or a
port the proxy does not forward), without a token."""

from __future__ import annotations

import logging

from prometheus_client import start_http_server

log = logging.getLogger(__name__)


def parse_address(address: str) -> tuple[str, int]:
    """``host:port`` or ``:port`` (all interfaces) or ``port``."""
    host, _, port = address.rpartition(":")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"METRICS_ADDRESS must be host:port, not {address!r}")
    return host.strip("[]") or "0.0.0.0", int(port)


def start_metrics_listener(address: str) -> None:
    """Serve /metrics at ``address`` from a background thread (prometheus-client's)."""
    host, port = parse_address(address)
    start_http_server(port, addr=host)
    log.info("metrics are served at http://%s:%d/metrics", host, port)
