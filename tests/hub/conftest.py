from __future__ import annotations

import secrets
import uuid
from pathlib import Path
from typing import AsyncIterator, Iterator

import pytest

from db.engine import create_engine
from db.models import User
from db.queries.interviews import create_interview
from server.accounts import register
from server.database import Database
from server.validation import registration
from tests.hub.peer import Api
from tests.live_server import live_server


def server_env(database_url: str, root: Path) -> dict[str, str]:
    return {
        "APP_ENV": "test",
        "DATABASE_URL": database_url,
        "DATA_DIR": str(root / "data"),
        "RECORDINGS_DIR": str(root / "recordings"),
        # One secret for every process of a test, so cookies work across them.
        "SECRET_KEY": "test-secret-key-for-hub-tests-0123456789",
        # The per-user quotas have their own tests; here they would only couple tests.
        "INTERVIEWS_PER_HOUR": "100000",
        "TICKETS_PER_MINUTE": "100000",
        # Likewise the per-connection byte rate: the backpressure tests stream far past it.
        "WS_BYTES_PER_S": str(1 << 30),
        "WS_BYTES_BURST": str(1 << 30),
    }


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """The test database, for writer tests that run no server."""
    database = Database(create_engine(database_url), database_url)
    try:
        yield database
    finally:
        await database.close()


async def new_candidate(database: Database) -> User:
    async with database.transaction() as session:
        return await register(session, registration({
            "username": f"cand-{secrets.token_hex(5)}", "password": "a candidate's password",
            "role": "candidate"}))


async def new_interview(database: Database) -> uuid.UUID:
    """An interview in the table (the HTTP API would need a server)."""
    owner = await new_candidate(database)
    async with database.transaction() as session:
        interview = await create_interview(
            session, owner_id=owner.id, kind="technical", role_title="Backend engineer",
            difficulty="mid", questions_total=3)
    return interview.id


@pytest.fixture(scope="session")
def hub_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hub")


@pytest.fixture(scope="session")
def server(database_url: str, hub_root: Path) -> Iterator[str]:
    """A real hypercorn server shared by the hub tests."""
    with live_server(server_env(database_url, hub_root), log=hub_root / "server.log") as (url, _):
        yield url


@pytest.fixture
async def api(server: str) -> AsyncIterator[Api]:
    client = Api(server)
    yield client
    await client.close()


@pytest.fixture
async def instructor(server: str) -> AsyncIterator[Api]:
    client = Api(server)
    await client.sign_up("instructor")
    yield client
    await client.close()
