"""The hypercorn settings ``interview-engine serve`` runs with (also from the Procfile)."""

from __future__ import annotations

import logging
from typing import Any

from hypercorn.config import Config
from hypercorn.protocol import ws_stream

from server.settings import Settings


def hypercorn_config(settings: Settings, bind: str) -> Config:
    config = Config()
    config.bind = [bind]
    # Frames over the protocol's limit are refused by hypercorn with 1009 before buffering.
    config.websocket_max_message_size = settings.max_frame_bytes
    config.graceful_timeout = 10.0
    # Requests are logged by the app (route templates, never query strings: websocket
    # tickets travel there); hypercorn's own messages go through the engine's handler.
    config.accesslog = None
    config.errorlog = logging.getLogger("hypercorn.error")
    websocket_compression(settings.ws_compression)
    return config


_NEGOTIATING = ws_stream.Handshake.__init__


def websocket_compression(enabled: bool) -> None:
    """Whether websockets negotiate permessage-deflate when the client offers it.

    Off by default: browsers always offer it and hypercorn always accepts (it has no
    setting), and on this protocol's small MessagePack frames it cost about a third of the
    server's websocket throughput for a few kilobytes per second saved per interview
    (BENCHMARKS.md, "permessage-deflate"). Hypercorn reads the offer from the handshake's
    headers; without the offer it answers without the extension, as RFC 7692 allows."""
    if enabled:
        ws_stream.Handshake.__init__ = _NEGOTIATING  # type: ignore[method-assign]
    else:
        ws_stream.Handshake.__init__ = _without_offer  # type: ignore[method-assign]


def _without_offer(handshake: Any, headers: list[tuple[bytes, bytes]], http_version: str) -> None:
    _NEGOTIATING(
        handshake,
        [(name, value) for name, value in headers if name.lower() != b"sec-websocket-extensions"],
        http_version,
    )
