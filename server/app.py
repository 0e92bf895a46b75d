"""The application factory."""

from __future__ import annotations

import asyncio
import logging
from typing import AsyncIterator

from hypercorn.middleware import ProxyFixMiddleware
from quart import request
from quart_auth import QuartAuth

from server.accounts import current_account
from server.collector import settle_after_start
from server.context import EngineApp
from server.csrf import csrf_token
from db.embedded import libpq_dsn
from server.database import Database
from server.errors import ApiError, register_error_handlers
from server.hub import route as live
from server.hub.asgi_websocket import DirectWebsocketConnection
from server.hub.hub import Hub
from server.hub.recordings import RecordingStore
from server.interviewer.choice import interviewer_factory
from server.interviewer.tailoring import compile_skill_patterns
from server.lifecycle import files
from server.observability.instrument import instrument_http, observe_resources
from server.routes import (
    account_pages,
    api_accounts,
    api_data,
    api_events,
    api_interviews,
    api_reports,
    api_resume,
    health,
    metrics,
    pages,
    report_pages,
    vendor,
)
from server.routes.vendor import NODE_MODULES
from server.security_headers import install_security_headers
from server.settings import PROJECT_ROOT, Settings, load_settings
from server.uploads import UploadStore

log = logging.getLogger(__name__)

WEB_DIR = PROJECT_ROOT / "web"
# Request bodies larger than this are refused, except an import's (IMPORT_MAX_BYTES).
MAX_BODY_BYTES = 16 * 1024 * 1024
STREAMED_BODY_ENDPOINTS = frozenset({"api_data.import_", "account_pages.import_page"})


def create_app(settings: Settings | None = None) -> EngineApp:
    settings = settings or load_settings()
    app = EngineApp(
        __name__,
        template_folder=str(WEB_DIR / "templates"),
        static_folder=str(WEB_DIR / "static"),
        static_url_path="/static",
    )
    app.settings = settings
    app.secret_key = settings.secret_key
    app.asgi_websocket_class = DirectWebsocketConnection
    app.config.update(
        MAX_CONTENT_LENGTH=max(MAX_BODY_BYTES, settings.import_max_bytes),
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        QUART_AUTH_COOKIE_SECURE=settings.cookie_secure,
        QUART_AUTH_COOKIE_SAMESITE="Lax",
        QUART_AUTH_DURATION=30 * 24 * 3600,
        TEMPLATES_AUTO_RELOAD=settings.environment == "development",
    )
    QuartAuth(app)
    register_error_handlers(app)
    app.jinja_env.globals["csrf_token"] = csrf_token

    @app.context_processor
    async def inject_account() -> dict[str, object]:
        return {"account": await current_account(),
                "resume_max_kib": settings.resume_max_bytes // 1024}

    for module in (
        health, metrics, api_accounts, api_interviews, api_resume, api_data, api_events,
        api_reports, live, pages, report_pages, account_pages, vendor,
    ):
        app.register_blueprint(module.blueprint)
    instrument_http(app)

    @app.before_request
    async def limit_body() -> None:
        if request.endpoint in STREAMED_BODY_ENDPOINTS:
            return
        length = request.content_length
        if length is not None and length > MAX_BODY_BYTES:
            raise ApiError(413, "too_large", f"body larger than {MAX_BODY_BYTES} bytes")
        # A body without a length is held to the same bound while it is read.
        request.body._max_content_length = MAX_BODY_BYTES

    @app.while_serving
    async def lifespan() -> AsyncIterator[None]:
        if not NODE_MODULES.exists():
            log.warning("web/node_modules is missing: run `make install` for styles and scripts")
        elif not (NODE_MODULES / ".bundles" / "codemirror.js").exists():
            log.warning("the code pad's editor is not built: run `make install` (npm run build)")
        settings.recordings_dir.mkdir(parents=True, exist_ok=True)
        app.db = await Database.open(settings)
        app.recordings = RecordingStore(settings.recordings_dir)
        app.uploads = UploadStore(settings.uploads_dir)
        interviewers = interviewer_factory(settings)
        app.hub = Hub(settings, app.db, libpq_dsn(app.db.url), interviewers, app.recordings)
        await app.hub.start()
        observe_resources(app)
        # Recording folders whose removal a crash interrupted.
        await files.sweep(app.db, settings.recordings_dir, settings.uploads_dir)
        await asyncio.to_thread(compile_skill_patterns)
        settle_after_start()
        try:
            yield
        finally:
            await app.hub.stop()
            await interviewers.aclose()
            await app.db.close()
            app.recordings.close()

    install_security_headers(app, https=settings.cookie_secure)

    if settings.behind_proxy:
        app.asgi_app = ProxyFixMiddleware(app.asgi_app, mode="legacy", trusted_hops=1)  # type: ignore[method-assign]
    return app
