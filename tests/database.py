"""The PostgreSQL the tests run on: TEST_DATABASE_URL's server, or a private embedded one.

Every test session works in scratch databases it creates and drops, so no test
ever touches a developer's data.
"""

from __future__ import annotations

import os
import secrets
from contextlib import asynccontextmanager
from typing import AsyncIterator

from db.embedded import drop_database, ensure_database, start_embedded_server
from server.settings import PROJECT_ROOT

TEST_DATA_DIR = PROJECT_ROOT / ".data" / "test"


def test_server_url() -> str:
    """A URL of the server tests use (its database part is replaced by scratch names)."""
    return os.environ.get("TEST_DATABASE_URL") or start_embedded_server(TEST_DATA_DIR)


@asynccontextmanager
async def scratch_database(prefix: str = "ie_test") -> AsyncIterator[str]:
    """A new empty database, dropped afterwards; yields its URL."""
    server_url = test_server_url()
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
    url = await ensure_database(server_url, name)
    try:
        yield url
    finally:
        await drop_database(server_url, name)
