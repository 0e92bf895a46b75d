"""Cross-process fan-out through PostgreSQL LISTEN/NOTIFY.

The event writer notifies ``interview_id:head`` in the transaction that stores
events; every process listens and lets its room for that interview read what
it has not seen from the log. Payloads stay tiny (NOTIFY caps them near 8 kB).
The connection is re-established when lost (a database restart), and the rooms
then catch up on what was notified while it was away.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Awaitable, Callable

import asyncpg

from server.hub.tasks import cancel_and_wait

log = logging.getLogger(__name__)

Handler = Callable[[uuid.UUID, str], None]


class NotifyListener:
    """Holds one dedicated connection LISTENing on the given channels; reconnects when lost."""

    def __init__(
        self, dsn: str, handlers: dict[str, Handler],
        on_connected: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._dsn = dsn
        self._handlers = handlers
        # Run after every (re)connection: what was notified meanwhile never arrives.
        self._on_connected = on_connected
        self.connections = 0
        self._task: asyncio.Task[None] | None = None
        self._lost = asyncio.Event()
        self.connected = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="notify-listener")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)

    async def _run(self) -> None:
        delay = 0.1
        while True:
            connection: asyncpg.Connection | None = None
            try:
                connection = await asyncpg.connect(self._dsn)
                self._lost.clear()
                connection.add_termination_listener(lambda _: self._lost.set())
                for channel in self._handlers:
                    await connection.add_listener(channel, self._on_notify)
                self.connected.set()
                self.connections += 1
                delay = 0.1
                if self._on_connected is not None:
                    try:
                        await self._on_connected()
                    except asyncio.CancelledError:
                        raise
                    except Exception:
                        log.exception("catching up after the notify connection came back failed")
                await self._lost.wait()
                log.warning("notify connection lost; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("notify listener cannot connect (%s); retrying", error)
            finally:
                self.connected.clear()
                if connection is not None and not connection.is_closed():
                    connection.terminate()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    def _on_notify(self, _: object, __: int, channel: str, payload: str) -> None:
        interview, _, rest = payload.partition(":")
        try:
            interview_id = uuid.UUID(interview)
        except ValueError:
            log.warning("ignoring malformed notification %r on %s", payload, channel)
            return
        handler = self._handlers.get(channel)
        if handler is not None:
            handler(interview_id, rest)
