from __future__ import annotations

import itertools
import secrets
from typing import Any, AsyncIterator

import pytest
from quart.testing.app import TestApp
from quart.typing import TestClientProtocol as Client

from db.migrate import upgrade_async
from server.app import create_app
from server.context import EngineApp
from server.settings import Settings
from tests.database import scratch_database

_names = itertools.count(1)


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
        login_max_failures_per_account=5,
        login_max_failures_per_address=20,
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[EngineApp]:
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


