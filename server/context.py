"""Typed access to the app's long-lived resources from inside a request."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from quart import Quart, current_app

if TYPE_CHECKING:
    from server.database import Database
    from server.hub.hub import Hub
    from server.hub.recordings import RecordingStore
    from server.settings import Settings
    from server.uploads import UploadStore


class EngineApp(Quart):
    """Quart with the engine's resources attached (set up in ``create_app``)."""

    settings: "Settings"
    db: "Database"
    hub: "Hub"
    recordings: "RecordingStore"
    uploads: "UploadStore"


def app() -> EngineApp:
    return cast(EngineApp, current_app)


def settings() -> "Settings":
    return app().settings


def db() -> "Database":
    return app().db
