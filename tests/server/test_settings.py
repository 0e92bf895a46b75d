from pathlib import Path

import pytest

from server.settings import SettingsError, load_settings


def test_development_generates_and_keeps_a_secret_key(tmp_path: Path) -> None:
    first = load_settings({"DATA_DIR": str(tmp_path)})
    second = load_settings({"DATA_DIR": str(tmp_path)})
    assert len(first.secret_key) >= 32 and first.secret_key == second.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert first.uses_embedded_database and not first.cookie_secure


def test_production_requires_a_strong_secret_key(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="SECRET_KEY is required"):
        load_settings({"APP_ENV": "production", "DATA_DIR": str(tmp_path)})
    with pytest.raises(SettingsError, match="at least 32"):
        load_settings({"APP_ENV": "production", "SECRET_KEY": "short"})
    settings = load_settings(
        {"APP_ENV": "production", "SECRET_KEY": "k" * 40, "DATABASE_URL": "postgresql://db/x"}
    )
    assert settings.cookie_secure and not settings.uses_embedded_database


def test_values_are_checked(tmp_path: Path) -> None:
    base = {"DATA_DIR": str(tmp_path)}
    with pytest.raises(SettingsError, match="APP_ENV"):
        load_settings({**base, "APP_ENV": "staging"})
    with pytest.raises(SettingsError, match="MAX_FRAME_BYTES"):
        load_settings({**base, "MAX_FRAME_BYTES": "lots"})
    with pytest.raises(SettingsError, match="COOKIE_SECURE"):
        load_settings({**base, "COOKIE_SECURE": "maybe"})
    settings = load_settings(
        {**base, "ALLOWED_ORIGINS": "https://a.example/, https://b.example", "RECORDINGS_DIR": str(tmp_path / "rec")}
    )
    assert settings.allowed_origins == ("https://a.example", "https://b.example")
    assert settings.recordings_dir == tmp_path / "rec"


def test_operations_settings(tmp_path: Path) -> None:
    base = {"DATA_DIR": str(tmp_path)}
    defaults = load_settings(base)
    assert (defaults.log_format, defaults.log_level) == ("text", "INFO")
    assert defaults.recording_retention_days is None and defaults.face_retention_days is None
    assert defaults.metrics_token is None and defaults.metrics_address is None
    production = load_settings({**base, "APP_ENV": "production", "SECRET_KEY": "k" * 40})
    assert production.log_format == "json"
    chosen = load_settings({**base, "LOG_LEVEL": "debug", "RECORDING_RETENTION_DAYS": "90",
                            "FACE_RETENTION_DAYS": "0", "METRICS_ADDRESS": ":9100",
                            "METRICS_TOKEN": "t" * 20, "IMPORT_MAX_BYTES": "2048"})
    assert (chosen.log_level, chosen.recording_retention_days) == ("DEBUG", 90)
    assert chosen.face_retention_days is None and chosen.import_max_bytes == 2048
    for name, value in (("LOG_LEVEL", "loud"), ("LOG_FORMAT", "xml"),
                        ("RECORDING_RETENTION_DAYS", "-3"), ("FACE_RETENTION_DAYS", "soon"),
                        ("METRICS_ADDRESS", "nowhere"), ("IMPORT_MAX_BYTES", "12")):
        with pytest.raises(SettingsError, match=name):
            load_settings({**base, name: value})
    # Secrets never show in a printed Settings.
    assert "t" * 20 not in repr(chosen) and chosen.secret_key not in repr(chosen)
