"""The raw stack ceiling: a bare Quart websocket echo of msgpack frames on hypercorn,
with the same hypercorn settings and event loop as ``interview-engine serve``.

Usage: python -m bench.echo_server PORT
"""

from __future__ import annotations

import sys

import msgpack
from quart import Quart, websocket

from bench.common import serve_baseline


def create_echo_app() -> Quart:
    app = Quart(__name__)

    @app.get("/healthz")
    async def healthz() -> str:
        return "ok"

    @app.websocket("/ws")
    async def echo() -> None:
        while True:
            data = await websocket.receive()
            msgpack.unpackb(data)  # what any msgpack server does first
            await websocket.send(data)

    return app


if __name__ == "__main__":
    sys.exit(serve_baseline(create_echo_app(), int(sys.argv[1])))
