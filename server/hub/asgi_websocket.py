"""Quart's ASGI websocket connection, reading frames in the handler's own task.

Quart runs a second task per socket that takes each message from the ASGI server and
puts it on a queue for the handler: every frame a candidate sends costs an extra task
switch and a queue hop before the handler sees it, which under hundreds of live
interviews is a large share of the server's CPU. Here the handler's ``receive`` awaits
the ASGI server directly. A disconnect surfaces as :class:`Disconnected` from
``receive`` (the handler is always reading, so it learns at once), where Quart would
cancel the handler.

Once the handler has closed the socket, what the client still sends is read and dropped
until the ASGI server reports the disconnect: a client flooding the socket would
otherwise fill the server's queue for the handler, the server's reader would wait on it
for good, and the client's reply to the close frame (and so the end of the connection)
would never be read.
"""

from __future__ import annotations

import asyncio
from typing import Any

from quart.asgi import ASGIWebsocketConnection
from quart.typing import ASGIReceiveCallable, ASGISendCallable


class Disconnected(Exception):
    """The client closed the socket or the connection dropped."""


class _Frames:
    """Stands where Quart keeps its queue of received messages: ``get`` is the next one."""

    def __init__(self, receive: ASGIReceiveCallable) -> None:
        self._receive = receive
        self.closed = False

    async def get(self) -> str | bytes | None:
        if self.closed:
            raise Disconnected()
        while True:
            event: Any = await self._receive()
            kind = event["type"]
            if kind == "websocket.receive":
                return event.get("bytes") or event.get("text")
            if kind == "websocket.disconnect":
                self.closed = True
                raise Disconnected()


# How long a closed socket's leftover frames are read while the client takes the close.
DRAIN_AFTER_CLOSE_S = 5.0


class DirectWebsocketConnection(ASGIWebsocketConnection):
    async def __call__(self, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        frames = _Frames(receive)
        self.queue = frames  # type: ignore[assignment]
        websocket = self._create_websocket_from_scope(send)
        try:
            await self.handle_websocket(websocket, send)
        except Disconnected:
            pass
        if not frames.closed:
            try:
                async with asyncio.timeout(DRAIN_AFTER_CLOSE_S):
                    while True:
                        await frames.get()
            except (Disconnected, TimeoutError):
                pass
