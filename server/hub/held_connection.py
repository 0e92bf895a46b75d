"""The database connection a writer task keeps, telling the database's absence (retry
later) from a bad statement, and how long to wait before retrying."""

from __future__ import annotations

import asyncio
import logging
import random

import asyncpg
from sqlalchemy.exc import DBAPIError, InterfaceError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

# Retries back off from this, doubling, up to the maximum (with jitter).
FIRST_RETRY_DELAY_S = 0.05
MAX_RETRY_DELAY_S = 2.0


async def back_off(delay: float) -> float:
    """Wait about ``delay`` seconds (jittered); the delay to wait before the next retry."""
    await asyncio.sleep(delay * (0.5 + random.random()))
    return min(delay * 2, MAX_RETRY_DELAY_S)


class HeldConnection:
    """One pooled connection kept checked out: a checkout per batch would cost the pool's
    liveness ping, a round trip, every time. A lost connection shows as an error on the next
    statement; ``drop`` it then and ``get`` makes a new one."""

    def __init__(self, engine: AsyncEngine, name: str) -> None:
        self._engine = engine
        self._name = name
        self._connection: AsyncConnection | None = None
        self._raw: asyncpg.Connection | None = None

    async def get(self) -> asyncpg.Connection:
        if self._connection is None:
            connection = await self._engine.connect()
            try:
                raw = await connection.get_raw_connection()
            except BaseException:
                await connection.close()
                raise
            self._connection = connection
            self._raw = raw.driver_connection  # type: ignore[assignment]
        assert self._raw is not None
        return self._raw

    async def drop(self) -> None:
        """Throw the connection away (it failed): the pool must not hand it out again."""
        connection, self._connection, self._raw = self._connection, None, None
        if connection is None:
            return
        try:
            await connection.invalidate()
        except Exception:
            log.debug("invalidating the %s's connection failed", self._name, exc_info=True)
        try:
            await connection.close()
        except Exception:
            log.debug("closing the %s's connection failed", self._name, exc_info=True)

    async def release(self) -> None:
        connection, self._connection, self._raw = self._connection, None, None
        if connection is not None:
            try:
                await connection.close()
            except Exception:  # the database may be the reason we are stopping
                log.debug("releasing the %s's connection failed", self._name, exc_info=True)


_CONNECTION_ERRORS = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.OperatorInterventionError,  # server shutting down or restarting
)


# Errors a retry of the same transaction can get past.
_TRANSIENT_ERRORS = (
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.SerializationError,
)


def is_transient(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, _TRANSIENT_ERRORS):
            return True
        error = error.__cause__ or getattr(error, "orig", None)
    return False


def is_connection_error(error: BaseException | None) -> bool:
    """True when the database could not be reached, as opposed to a bad statement."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    while error is not None:
        if isinstance(error, (*_CONNECTION_ERRORS, InterfaceError)):
            return True
        error = error.__cause__ or getattr(error, "orig", None)
    return False
