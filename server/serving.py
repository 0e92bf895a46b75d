"""The hypercorn settings ``interview-engine serve`` runs with (also from the Procfile)."""

from __future__ import annotations

from hypercorn.config import Config

from server.settings import Settings


def hypercorn_config(settings: Settings, bind: str) -> Config:
    config = Config()
    config.bind = [bind]
    # Frames over the protocol's limit are refused by hypercorn with 1009 before buffering.
    config.websocket_max_message_size = settings.max_frame_bytes
    config.graceful_timeout = 10.0
    config.accesslog = "-" if settings.environment == "development" else None
    config.errorlog = "-"
    return config

