from __future__ import annotations

import itertools
import os
import secrets
from typing import Any, AsyncIterator

import hypothesis
import pytest
from quart.testing.app import TestApp
from quart.typing import TestClientProtocol as Client

from db.migrate import upgrade_async
from server.app import create_app
from server.context import EngineApp
from server.settings import Settings
from tests.database import scratch_database

_names = itertools.count(1)

# Property-based tests: `make test` runs the default profile; HYPOTHESIS_PROFILE=long runs
# twenty times as many examples (tests that set their own count scale from this one).
hypothesis.settings.register_profile("standard", max_examples=100)
hypothesis.settings.register_profile("long", max_examples=2000)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "standard"))


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    async with scratch_database() as url:
        await upgrade_async(url)
        yield url


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("engine")
    return Settings(
        environment="test",
        database_url=database_url,
        data_dir=root / "data",
        secret_key=secrets.token_urlsafe(32),
        recordings_dir=root / "recordings",
        uploads_dir=root / "uploads",
        login_max_failures_per_account=5,
        login_max_failures_per_address=20,
        # The per-user quotas have their own tests; elsewhere they would only couple tests
        # that happen to share an account.
        interviews_per_hour=100_000,
        tickets_per_minute=100_000,
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[EngineApp]:
    from server.interviewer.bank import load_bank

    # Compiling the bank's keyword patterns takes seconds on a busy machine: done (and
    # cached) before start-up, whose test timeout is a few seconds.
    load_bank()
    app = create_app(settings)
    # Start-up migrates and starts the hub: under a loaded machine it takes longer than
    # Quart's default 6 s, which is no fault of the code under test.
    async with TestApp(app, startup_timeout=120, shutdown_timeout=120):
        yield app


@pytest.fixture
def client(app: EngineApp) -> Client:
    return app.test_client()


def unique_name(prefix: str = "user") -> str:
    return f"{prefix}{next(_names)}-{secrets.token_hex(3)}"


def address() -> dict[str, Any]:
    """A client address of its own, so one test's failed logins don't throttle another's."""
    return {"client": (f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}", 40000)}


PASSWORD = "correct horse battery"


async def register(client: Client, role: str = "candidate", **extra: Any) -> dict[str, Any]:
    username = unique_name(role[:4])
    response = await client.post(
        "/api/users", json={"username": username, "password": PASSWORD, "role": role, **extra}
    )
    assert response.status_code == 201, await response.get_data(as_text=True)
    return await response.get_json()  # type: ignore[no-any-return]


async def log_in(client: Client, username: str, password: str = PASSWORD) -> Any:
    return await client.post(
        "/api/session", json={"username": username, "password": password}, scope_base=address()
    )


async def account(app: EngineApp, role: str = "candidate") -> tuple[Client, dict[str, Any]]:
    """A fresh client logged in as a new user of ``role``."""
    client = app.test_client()
    user = await register(client, role)
    response = await log_in(client, user["username"])
    assert response.status_code == 200
    return client, user


async def new_interview(client: Client, **overrides: Any) -> dict[str, Any]:
    body = {"kind": "technical", "role_title": "Backend engineer", "difficulty": "mid", "questions": 3}
    body.update(overrides)
    response = await client.post("/api/interviews", json=body)
    assert response.status_code == 201, await response.get_data(as_text=True)
    return await response.get_json()  # type: ignore[no-any-return]


