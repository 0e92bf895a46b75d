"""Hypercorn settings shared by ``interview-engine serve`` and the Procfile.

Loaded by hypercorn as ``--config python:server.hypercorn_config``; module-level
names are hypercorn configuration keys.
"""

from __future__ import annotations

from hypercorn.config import Config

from server.settings import Settings, load_settings


def hypercorn_config(settings: Settings, bind: str) -> Config:
    config = Config()
    config.bind = [bind]
    config.worker_class = "uvloop"
    # Frames over the protocol's limit are refused by hypercorn with 1009 before buffering.
    config.websocket_max_message_size = settings.max_frame_bytes
    config.graceful_timeout = 10.0
    config.accesslog = "-" if settings.environment == "development" else None
    config.errorlog = "-"
    return config


_settings = load_settings()
worker_class = "uvloop"
websocket_max_message_size = _settings.max_frame_bytes
graceful_timeout = 10.0
errorlog = "-"
