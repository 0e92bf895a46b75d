"""The raw stack ceiling: a bare Quart websocket echo of msgpack frames on hypercorn,
with the same hypercorn settings and event loop as ``interview-engine serve``.

Usage: python -m bench.echo_server PORT
"""

from __future__ import annotations

import asyncio
import signal
import sys

import msgpack
from hypercorn.asyncio import serve
from quart import Quart, websocket

from server.cli import _run
from server.serving import hypercorn_config
from server.settings import load_settings


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


async def main(port: int) -> int:
    config = hypercorn_config(load_settings(), f"127.0.0.1:{port}")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await serve(create_echo_app(), config, shutdown_trigger=stop.wait)  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(_run(main(int(sys.argv[1]))))
