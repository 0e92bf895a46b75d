"""Frames go straight to and from the ASGI server (not through Quart's per-frame extra work)."""

from __future__ import annotations

import asyncio
from typing import Any

from quart import Quart, websocket

from server.hub.asgi_websocket import DirectWebsocketConnection
from server.hub.connection import frame_receiver, frame_sender

SCOPE = {"type": "websocket", "asgi": {"version": "3.0", "spec_version": "2.3"},
         "http_version": "1.1", "scheme": "ws", "path": "/ws", "raw_path": b"/ws",
         "query_string": b"", "root_path": "", "headers": [(b"host", b"localhost")],
         "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "subprotocols": [],
         "extensions": {"websocket.http.response": {}}}


async def serve(app: Quart, incoming: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run one websocket connection of ``app`` on ``incoming`` ASGI messages (a disconnect
    follows the app's close); what the app sent."""
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for message in incoming:
        queue.put_nowait(message)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return await queue.get()

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "websocket.close":
            await queue.put({"type": "websocket.disconnect", "code": 1000})

    await asyncio.wait_for(app(SCOPE, receive, send), 10)  # type: ignore[arg-type]
    return sent


async def accepted() -> Any:
    """The current connection's websocket, accepted."""
    await websocket.accept()
    return websocket._get_current_object()  # type: ignore[attr-defined]


async def test_frames_go_straight_to_the_asgi_send_callable() -> None:
    app = Quart(__name__)
    used_quart_send: list[bool] = []

    @app.websocket("/ws")
    async def ws() -> None:
        current = await accepted()
        send = frame_sender(current)
        used_quart_send.append(send == current.send)
        await send(b"\x81\xa1t\xa4pong")
        await send(b"second")

    sent = await serve(app, [{"type": "websocket.connect"}])

    assert used_quart_send == [False]
    frames = [m["bytes"] for m in sent if m["type"] == "websocket.send"]
    assert frames == [b"\x81\xa1t\xa4pong", b"second"]


async def test_frames_come_straight_from_the_asgi_receive_callable() -> None:
    app = Quart(__name__)
    app.asgi_websocket_class = DirectWebsocketConnection  # type: ignore[assignment]
    received: list[object] = []
    used_quart_receive: list[bool] = []

    @app.websocket("/ws")
    async def ws() -> None:
        current = await accepted()
        receive = frame_receiver(current)
        used_quart_receive.append(receive == current.receive)
        received.append(await receive())
        received.append(await receive())

    await serve(app, [{"type": "websocket.connect"},
                      {"type": "websocket.receive", "bytes": b"first"},
                      {"type": "websocket.receive", "bytes": b"second"},
                      {"type": "websocket.disconnect", "code": 1000}])

    assert used_quart_receive == [False]
    assert received == [b"first", b"second"]
