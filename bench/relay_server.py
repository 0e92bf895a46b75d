"""The raw stack under the live profile: a relay that speaks just enough of the protocol
for the load generator, with nothing of the engine behind it.

Quart on hypercorn with the engine's hypercorn settings, event loop and websocket
connection class, frames read from and written to the ASGI server the way the engine
does. Per candidate message it does what
any server of this protocol must: decode the envelope, give it the interview's next
``seq`` and ``src_seq``, encode it, send it to the observers, and acknowledge it (paced as
the engine paces acks). No database, validation, live coach or recordings: the capacity
the load generator finds here is the ceiling the stack itself sets for the default profile
on this machine, and the engine's capacity is read against it.

The accounts, interviews and tickets the load generator asks for are kept in memory and
nothing is checked: this is a benchmark baseline, never a server to expose.

Usage: python -m bench.relay_server PORT
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
import uuid
from typing import Any

import msgpack
from quart import Quart, request, websocket

from bench.common import serve_baseline
from server.hub.asgi_websocket import Disconnected, DirectWebsocketConnection
from server.hub.connection import frame_receiver, frame_sender
from server.hub.event_writer import now_ms
from server.hub.outbox import ACK_BURST, ACK_INTERVAL_S

Send = Any


class Interview:
    def __init__(self) -> None:
        self.head = 0
        self.phase = "lobby"
        self.observers: set[Send] = set()
        self.candidate: Send | None = None
        self.acked = 0

    def log(self, kind: str, d: dict[str, Any]) -> bytes:
        self.head += 1
        return msgpack.packb({"t": kind, "seq": self.head, "ts": now_ms(), "d": d})

    async def publish(self, frame: bytes, *, to_candidate: bool) -> None:
        for send in list(self.observers):
            await send(frame)
        if to_candidate and self.candidate is not None:
            await self.candidate(frame)


class PacedAcks:
    """One ack at most every ACK_INTERVAL_S carrying the newest value, or at once when
    ACK_BURST frames wait for one, as the engine sends."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.pending: int | None = None
        self.sent_at = -1.0
        self.sent = 0
        self.timer: asyncio.TimerHandle | None = None

    async def ack(self, upto: int) -> None:
        self.pending = upto
        if upto - self.sent >= ACK_BURST:
            await self._flush()
            return
        if self.timer is not None:
            return
        due_in = self.sent_at + ACK_INTERVAL_S - time.monotonic()
        if due_in <= 0:
            await self._flush()
        else:
            self.timer = asyncio.get_running_loop().call_later(due_in, self._due)

    def _due(self) -> None:
        self.timer = None
        asyncio.get_running_loop().create_task(self._flush())

    async def _flush(self) -> None:
        if self.pending is None:
            return
        upto, self.pending = self.pending, None
        self.sent, self.sent_at = upto, time.monotonic()
        await self.send(msgpack.packb({"t": "ack", "ts": now_ms(), "d": {"upto": upto}}))

    def close(self) -> None:
        if self.timer is not None:
            self.timer.cancel()


def create_relay_app() -> Quart:
    app = Quart(__name__)
    app.asgi_websocket_class = DirectWebsocketConnection  # type: ignore[assignment]
    interviews: dict[str, Interview] = {}

    @app.get("/healthz")
    async def healthz() -> str:
        return "ok"

    @app.post("/api/users")
    async def sign_up() -> tuple[dict[str, Any], int]:
        return {}, 201

    @app.post("/api/session")
    async def log_in() -> tuple[dict[str, Any], int]:
        return {}, 200

    @app.post("/api/interviews")
    async def create() -> tuple[dict[str, Any], int]:
        interview_id = str(uuid.uuid4())
        interviews[interview_id] = Interview()
        return {"id": interview_id}, 201

    @app.post("/api/interviews/<interview_id>/observers")
    async def grant(interview_id: str) -> tuple[dict[str, Any], int]:
        return {}, 201

    @app.post("/api/interviews/<interview_id>/tickets")
    async def ticket(interview_id: str) -> tuple[dict[str, Any], int]:
        body = await request.get_json()
        return {"url": f"/ws/interviews/{interview_id}?role={body['role']}"}, 201

    @app.websocket("/ws/interviews/<interview_id>")
    async def live(interview_id: str) -> None:
        with contextlib.suppress(Disconnected):  # the client went away: nothing to do
            await _serve(interview_id, interviews[interview_id])

    return app


async def _serve(interview_id: str, interview: Interview) -> None:
    """One member's connection: welcome, then relay (candidate) or just read (observer)."""
    await websocket.accept()
    current = websocket._get_current_object()  # type: ignore[attr-defined]
    send, receive = frame_sender(current), frame_receiver(current)
    hello = msgpack.unpackb(await receive())
    await send(msgpack.packb({"t": "welcome", "ts": now_ms(), "d": {
        "v": 1, "interview": {"id": interview_id, "status": "live", "phase": interview.phase},
        "acked": interview.acked, "head": interview.head, "server_time": now_ms()}}))
    if hello["d"]["role"] == "observer":
        await _watch(interview, send, receive)
    else:
        await _relay(interview, send, receive)


async def _watch(interview: Interview, send: Send, receive: Any) -> None:
    """An observer: it is sent what the candidate sends, and only read from."""
    interview.observers.add(send)
    try:
        while True:
            await receive()
    finally:
        interview.observers.discard(send)


async def _relay(interview: Interview, send: Send, receive: Any) -> None:
    """The candidate: each message numbered, relayed to the observers, acknowledged."""
    interview.candidate = send
    acks = PacedAcks(send)
    try:
        while True:
            message = msgpack.unpackb(await receive())
            d = message["d"]
            d["src_seq"] = message["seq"]
            kind = message["t"]
            await interview.publish(interview.log(kind, d), to_candidate=False)
            interview.acked = message["seq"]
            await acks.ack(message["seq"])
            if kind == "state":
                await _step(interview, d["action"])
    finally:
        acks.close()
        interview.candidate = None


async def _step(interview: Interview, action: str) -> None:
    """The interview's phases the load generator follows: asked, answering, asked again."""
    phase = {"start": "asking", "answer_start": "answering", "answer_end": "asking"}.get(action)
    if phase is not None and phase != interview.phase:
        interview.phase = phase
        await interview.publish(interview.log("phase", {"phase": phase}), to_candidate=True)


if __name__ == "__main__":
    sys.exit(serve_baseline(create_relay_app(), int(sys.argv[1])))
