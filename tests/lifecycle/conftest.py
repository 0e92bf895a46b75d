from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator, Iterator

import pytest

from db.migrate import upgrade_async
from tests.database import scratch_database
from tests.hub.conftest import api, hub_root, instructor, server, server_env  # noqa: F401
from tests.live_server import live_server


@pytest.fixture(scope="session")
async def fresh_database_url() -> AsyncIterator[str]:
    """A second, empty database: "another server" for imports."""
    async with scratch_database("ie_other") as url:
        await upgrade_async(url)
        yield url


@pytest.fixture(scope="session")
def other_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("other")


@pytest.fixture(scope="session")
def other_server(fresh_database_url: str, other_root: Path) -> Iterator[str]:
    """Another engine, on its own database and recordings folder."""
    env = server_env(fresh_database_url, other_root)
    with live_server(env, log=other_root / "server.log") as (url, _):
        yield url
