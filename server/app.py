"""The application factory."""

from __future__ import annotations

import logging
from typing import AsyncIterator

from hypercorn.middleware import ProxyFixMiddleware
from quart_auth import QuartAuth

from server.accounts import current_account
from server.context import EngineApp
from server.csrf import csrf_token
from db.embedded import libpq_dsn
from server.database import Database
from server.errors import register_error_handlers
from server.hub import route as live
from server.hub.hub import Hub
from server.hub.recordings import RecordingStore
from server.interviewer.choice import interviewer_factory
from server.routes import (
    api_accounts,
    api_events,
    api_interviews,
    api_reports,
    api_resume,
    health,
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
    app.config.update(
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
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
        health, api_accounts, api_interviews, api_resume, api_events, api_reports, live, pages,
        report_pages, vendor,
    ):
        app.register_blueprint(module.blueprint)

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
