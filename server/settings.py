"""Every setting of the engine, read once from the environment.

Nothing else in the project reads ``os.environ`` for configuration: the app
factory, the command line and the tests all build a :class:`Settings` here.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Mapping

PROJECT_ROOT = Path(__file__).resolve().parent.parent

Environment = Literal["development", "production", "test"]


class SettingsError(ValueError):
    """The environment holds a value the engine cannot run with."""


@dataclass(frozen=True)
class Settings:
    environment: Environment = "development"
    database_url: str | None = field(default=None, repr=False)
    data_dir: Path = PROJECT_ROOT / ".data"
    secret_key: str = field(default="", repr=False)
    gemini_api_key: str | None = field(default=None, repr=False)
    gemini_model: str = "gemini-2.5-flash"
    gemini_base_url: str | None = None
    gemini_timeout_s: float = 8.0
    gemini_token_budget: int = 60_000
    # The process's circuit breaker: opens after this many failed calls in a row, lets a
    # trial call through after the reset time.
    gemini_breaker_failures: int = 5
    gemini_breaker_reset_s: float = 30.0
    recordings_dir: Path = PROJECT_ROOT / "recordings"
    # Uploaded files (résumés), one folder per interview.
    uploads_dir: Path = PROJECT_ROOT / ".data" / "uploads"
    resume_max_bytes: int = 2 * 1024 * 1024
    allowed_origins: tuple[str, ...] = ()
    max_frame_bytes: int = 256 * 1024
    cookie_secure: bool = False
    behind_proxy: bool = False
    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 20
    login_failure_window_s: int = 900
    ticket_ttl_s: int = 60
    ws_messages_per_s: int = 500
    ws_burst: int = 10_000
    # Client frames held in memory until stored (while the database is away, for instance);
    # past either bound new frames are refused with `unavailable` and stay in the client's outbox.
    event_buffer_frames: int = 20_000
    event_buffer_bytes: int = 64 * 1024 * 1024
    # permessage-deflate on the websocket (see server/serving.py for why it is off).
    ws_compression: bool = False
    ws_bytes_per_s: int = 1024 * 1024
    ws_bytes_burst: int = 16 * 1024 * 1024
    interviews_per_hour: int = 30
    tickets_per_minute: int = 60
    demo_accounts: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    log_format: Literal["json", "text"] = "text"
    log_level: str = "INFO"
    # /metrics on the app's own address needs this bearer token; without it, only
    # metrics_address (a separate, private listener started by ``serve``) exposes them.
    metrics_token: str | None = field(default=None, repr=False)
    metrics_address: str | None = None
    # Days after an interview's last activity that its recordings / face frames are kept
    # (None: for ever). ``interview-engine purge`` applies them.
    recording_retention_days: int | None = None
    face_retention_days: int | None = None
    import_max_bytes: int = 512 * 1024 * 1024

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url is None


def _bool(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def _int(value: str, name: str, minimum: int = 0) -> int:
    try:
        number = int(value)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, not {value!r}") from None
    if number < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, not {number}")
    return number


def _float(value: str, name: str, minimum: float = 0.0) -> float:
    try:
        number = float(value)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {value!r}") from None
    if not number >= minimum or number == float("inf"):
        raise SettingsError(f"{name} must be a finite number of at least {minimum:g}, not {value}")
    return number


def _days(value: str, name: str) -> int | None:
    if value.strip() in ("", "0"):
        return None
    return _int(value, name, 1)


def _address(value: str, name: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    host, _, port = value.rpartition(":")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise SettingsError(f"{name} must be host:port (e.g. 127.0.0.1:9100), not {value!r}")
    return value


def _choice(value: str, name: str, choices: tuple[str, ...]) -> str:
    chosen = value.strip().lower() if name == "LOG_FORMAT" else value.strip().upper()
    if chosen not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return chosen


def _secret_key(environment: Environment, env: Mapping[str, str], data_dir: Path) -> str:
    """The key that signs session cookies. Only development makes one up (and keeps it in
    ``DATA_DIR``); anywhere else a missing key is a configuration error, not a surprise."""
    key = env.get("SECRET_KEY", "").strip()
    if key:
        if environment == "production" and len(key) < 32:
            raise SettingsError("SECRET_KEY must be at least 32 characters in production")
        return key
    if environment != "development":
        raise SettingsError(f"SECRET_KEY is required outside development (APP_ENV={environment})")
    key_file = data_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key + "\n")
    key_file.chmod(0o600)
    return key


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from ``env`` (the process environment by default)."""
    env = os.environ if env is None else env
    environment = env.get("APP_ENV", "development").strip() or "development"
    if environment not in ("development", "production", "test"):
        raise SettingsError(
            f"APP_ENV must be development, production or test, not {environment!r}"
        )
    data_dir = Path(env.get("DATA_DIR") or PROJECT_ROOT / ".data").resolve()
    origins = tuple(
        origin.strip().rstrip("/")
        for origin in env.get("ALLOWED_ORIGINS", "").split(",")
        if origin.strip()
    )
    database_url = env.get("DATABASE_URL", "").strip() or None
    return Settings(
        environment=environment,  # type: ignore[arg-type]
        database_url=database_url,
        data_dir=data_dir,
        secret_key=_secret_key(environment, env, data_dir),  # type: ignore[arg-type]
        gemini_api_key=env.get("GEMINI_API_KEY", "").strip() or None,
        gemini_model=env.get("GEMINI_MODEL", "").strip() or Settings.gemini_model,
        gemini_base_url=env.get("GEMINI_BASE_URL", "").strip().rstrip("/") or None,
        gemini_timeout_s=_float(env.get("GEMINI_TIMEOUT_S", "8"), "GEMINI_TIMEOUT_S", 0.1),
        gemini_token_budget=_int(
            env.get("GEMINI_TOKEN_BUDGET", "60000"), "GEMINI_TOKEN_BUDGET", 1000
        ),
        gemini_breaker_failures=_int(
            env.get("GEMINI_BREAKER_FAILURES", "5"), "GEMINI_BREAKER_FAILURES", 1
        ),
        gemini_breaker_reset_s=_float(
            env.get("GEMINI_BREAKER_RESET_S", "30"), "GEMINI_BREAKER_RESET_S", 0.1
        ),
        recordings_dir=Path(env.get("RECORDINGS_DIR") or PROJECT_ROOT / "recordings").resolve(),
        uploads_dir=Path(env.get("UPLOADS_DIR") or data_dir / "uploads").resolve(),
        resume_max_bytes=_int(
            env.get("RESUME_MAX_BYTES", str(2 * 1024 * 1024)), "RESUME_MAX_BYTES", 1024
        ),
        allowed_origins=origins,
        max_frame_bytes=_int(env.get("MAX_FRAME_BYTES", str(256 * 1024)), "MAX_FRAME_BYTES", 1024),
        cookie_secure=_bool(
            env.get("COOKIE_SECURE", "1" if environment == "production" else "0"), "COOKIE_SECURE"
        ),
        behind_proxy=_bool(env.get("BEHIND_PROXY", "0"), "BEHIND_PROXY"),
        login_max_failures_per_account=_int(
            env.get("LOGIN_MAX_FAILURES_PER_ACCOUNT", "5"), "LOGIN_MAX_FAILURES_PER_ACCOUNT", 1
        ),
        login_max_failures_per_address=_int(
            env.get("LOGIN_MAX_FAILURES_PER_ADDRESS", "20"), "LOGIN_MAX_FAILURES_PER_ADDRESS", 1
        ),
        login_failure_window_s=_int(
            env.get("LOGIN_FAILURE_WINDOW_S", "900"), "LOGIN_FAILURE_WINDOW_S", 1
        ),
        ticket_ttl_s=_int(env.get("TICKET_TTL_S", "60"), "TICKET_TTL_S", 1),
        ws_messages_per_s=_int(env.get("WS_MESSAGES_PER_S", "500"), "WS_MESSAGES_PER_S", 1),
        ws_burst=_int(env.get("WS_BURST", "10000"), "WS_BURST", 1),
        event_buffer_frames=_int(
            env.get("EVENT_BUFFER_FRAMES", "20000"), "EVENT_BUFFER_FRAMES", 1
        ),
        event_buffer_bytes=_int(
            env.get("EVENT_BUFFER_BYTES", str(64 * 1024 * 1024)), "EVENT_BUFFER_BYTES", 1024
        ),
        ws_compression=_bool(env.get("WS_COMPRESSION", "0"), "WS_COMPRESSION"),
        ws_bytes_per_s=_int(env.get("WS_BYTES_PER_S", str(1024 * 1024)), "WS_BYTES_PER_S", 1024),
        # At least one frame of the largest size must fit in the burst.
        ws_bytes_burst=_int(
            env.get("WS_BYTES_BURST", str(16 * 1024 * 1024)), "WS_BYTES_BURST", 256 * 1024
        ),
        interviews_per_hour=_int(env.get("INTERVIEWS_PER_HOUR", "30"), "INTERVIEWS_PER_HOUR", 1),
        tickets_per_minute=_int(env.get("TICKETS_PER_MINUTE", "60"), "TICKETS_PER_MINUTE", 1),
        demo_accounts=_bool(env.get("DEMO_ACCOUNTS", "0"), "DEMO_ACCOUNTS"),
        host=env.get("HOST", "127.0.0.1"),
        port=_int(env.get("PORT", "8000"), "PORT", 0),
        log_format=_choice(  # type: ignore[arg-type]
            env.get("LOG_FORMAT", "json" if environment == "production" else "text"),
            "LOG_FORMAT", ("json", "text"),
        ),
        log_level=_choice(env.get("LOG_LEVEL", "INFO"), "LOG_LEVEL",
                          ("DEBUG", "INFO", "WARNING", "ERROR")),
        metrics_token=env.get("METRICS_TOKEN", "").strip() or None,
        metrics_address=_address(env.get("METRICS_ADDRESS", ""), "METRICS_ADDRESS"),
        recording_retention_days=_days(env.get("RECORDING_RETENTION_DAYS", ""),
                                       "RECORDING_RETENTION_DAYS"),
        face_retention_days=_days(env.get("FACE_RETENTION_DAYS", ""), "FACE_RETENTION_DAYS"),
        import_max_bytes=_int(env.get("IMPORT_MAX_BYTES", str(512 * 1024 * 1024)),
                              "IMPORT_MAX_BYTES", 1024),
    )
