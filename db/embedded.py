"""A private PostgreSQL server for running without ``DATABASE_URL``.

The ``pgserver`` package ships PostgreSQL binaries; the data folder lives under
the project's data directory (ignored by git). The server listens on a Unix
socket inside that folder only, so it never clashes with another PostgreSQL.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import asyncpg

_DATABASE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_servers: dict[Path, Any] = {}


def start_embedded_server(data_dir: Path) -> str:
    """Start (or reuse) the embedded server and return the URL of its ``postgres`` database.

    The server stops when the last process using it exits.
    """
    pgdata = (data_dir / "pg").resolve()
    if pgdata not in _servers:
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (e.g. as root in CI).
            warnings.simplefilter("ignore")
            import pgserver

            _servers[pgdata] = pgserver.get_server(pgdata, cleanup_mode="stop")
    uri: str = _servers[pgdata].get_uri()
    return uri


def database_url(server_url: str, database: str) -> str:
    """The URL of another database on the same server as ``server_url``."""
    from sqlalchemy.engine import make_url

    return make_url(server_url).set(database=database).render_as_string(hide_password=False)


async def ensure_database(server_url: str, database: str) -> str:
    """Create ``database`` on the server if it does not exist; return its URL."""
    if not _DATABASE_NAME.match(database):
        raise ValueError(f"not a safe database name: {database!r}")
    conn = await asyncpg.connect(libpq_dsn(server_url))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{database}"')
    finally:
        await conn.close()
    return database_url(server_url, database)


async def drop_database(server_url: str, database: str) -> None:
    if not _DATABASE_NAME.match(database):
        raise ValueError(f"not a safe database name: {database!r}")
    conn = await asyncpg.connect(libpq_dsn(server_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        await conn.close()


def libpq_dsn(url: str) -> str:
    """The URL without a SQLAlchemy driver name, as asyncpg and libpq take it."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
