"""Logging set-up: one JSON object per line in production, readable lines in development.

Records carry context as attributes (``extra=``): ``interview_id``, ``user_id``,
``connection_id``, ``error_code``, ``close_code``, and for HTTP ``route``, ``status`` and
``duration_ms``. Nothing spoken, typed, or secret is logged by the engine; as a safety
net, :class:`Redact` masks the configured secrets (``SECRET_KEY``, the Gemini key, the
metrics token, the database password) wherever they would appear anyway.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any, Iterable

from sqlalchemy.engine import make_url

from server.settings import Settings

CONTEXT_FIELDS = ("interview_id", "user_id", "connection_id", "error_code", "close_code",
                  "route", "method", "status", "duration_ms")
MASK = "[redacted]"


class Redact(logging.Filter):
    """Masks secret values in the formatted message and in exception text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def _clean(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secrets:
            message = record.getMessage()
            cleaned = self._clean(message)
            if cleaned != message:
                record.msg, record.args = cleaned, None
            if record.exc_info and record.exc_text is None:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = self._clean(record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        context = " ".join(
            f"{name}={getattr(record, name)}" for name in CONTEXT_FIELDS
            if getattr(record, name, None) is not None
        )
        return f"{line}  [{context}]" if context else line


def secrets_of(settings: Settings) -> list[str]:
    found = [settings.secret_key, settings.gemini_api_key or "", settings.metrics_token or ""]
    if settings.database_url:
        try:
            found.append(make_url(settings.database_url).password or "")
        except Exception:
            pass
    return found


def configure_logging(settings: Settings) -> None:
    """Route every logger (the engine's, hypercorn's, libraries') to one stderr handler."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    handler.addFilter(Redact(secrets_of(settings)))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    # Libraries speak only of problems, even when the engine debugs: their INFO and DEBUG
    # lines dump traffic (SQL statements, HTTP exchanges, frames) that may carry what
    # candidates said.
    for name in ("sqlalchemy", "alembic", "asyncpg", "httpx", "httpcore", "httpcore2",
                 "google_genai", "google", "websockets", "hpack", "urllib3"):
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    logging.getLogger(__name__).debug("logging at %s in %s format", settings.log_level,
                                      settings.log_format)
