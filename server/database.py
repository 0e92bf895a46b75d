"""The database the server runs on: the configured one, or the embedded default."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import AsyncIterator

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db.embedded import ensure_database, start_embedded_server
from db.engine import create_engine, create_session_factory
from db.migrate import upgrade_async
from server.settings import Settings

log = logging.getLogger(__name__)

EMBEDDED_DATABASE = "interview_engine"


async def resolve_database_url(settings: Settings) -> str:
    """``DATABASE_URL`` when set; otherwise start the embedded server and use its database."""
    if settings.database_url:
        return settings.database_url
    server_url = start_embedded_server(settings.data_dir)
    return await ensure_database(server_url, EMBEDDED_DATABASE)


class Database:
    """The engine and session factory, created once when the app starts serving."""

    def __init__(self, engine: AsyncEngine, url: str) -> None:
        self.engine = engine
        self.url = url
        self.sessions: async_sessionmaker[AsyncSession] = create_session_factory(engine)

    @classmethod
    async def open(cls, settings: Settings) -> "Database":
        url = await resolve_database_url(settings)
        if settings.uses_embedded_database or settings.environment != "production":
            await upgrade_async(url)
        return cls(create_engine(url), url)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction, committed when the block ends without error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def is_reachable(self) -> bool:
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            log.warning("database unreachable", exc_info=True)
            return False
        return True

    async def close(self) -> None:
        await self.engine.dispose()
