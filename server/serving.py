"""The hypercorn settings ``interview-engine serve`` runs with (also from the Procfile)."""

from __future__ import annotations

import logging

from hypercorn.config import Config

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
    return config

