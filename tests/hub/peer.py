"""A protocol client for tests against a real server: HTTP API calls and websocket peers.

It knows only what PROTOCOL.md says: accounts, tickets, hello/welcome, outbox and acks.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from protocol import (
    Ack,
    ClientDataMessage,
    Envelope,
    Error,
    Hello,
    ServerMessage,
    Welcome,
    decode_server_frame,
    encode,
)

PASSWORD = "correct horse battery"


class Api:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = httpx.AsyncClient(base_url=base_url, timeout=10)
        self.user: dict[str, Any] = {}

    async def close(self) -> None:
        await self.http.aclose()

    def at(self, base_url: str) -> Api:
        """The same account (its session cookie) against another server process."""
        other = Api(base_url)
        other.http.cookies = self.http.cookies
        other.user = self.user
        return other

    async def sign_up(self, role: str = "candidate") -> dict[str, Any]:
        username = f"{role[:4]}-{secrets.token_hex(4)}"
        response = await self.http.post(
            "/api/users", json={"username": username, "password": PASSWORD, "role": role}
        )
        assert response.status_code == 201, response.text
        login = await self.http.post(
            "/api/session", json={"username": username, "password": PASSWORD}
        )
        assert login.status_code == 200, login.text
        self.user = response.json()
        return self.user

    async def interview(self, questions: int = 3, kind: str = "technical") -> str:
        response = await self.http.post(
            "/api/interviews",
            json={"kind": kind, "role_title": "Backend engineer", "difficulty": "mid",
                  "questions": questions},
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def grant(self, interview_id: str, username: str) -> None:
        response = await self.http.post(
            f"/api/interviews/{interview_id}/observers", json={"username": username}
        )
        assert response.status_code in (200, 201), response.text

    async def ws_url(self, interview_id: str, role: str) -> str:
        response = await self.http.post(f"/api/interviews/{interview_id}/tickets", json={"role": role})
        assert response.status_code == 201, response.text
        return self.base_url.replace("http", "ws", 1) + response.json()["url"]

    async def events(self, interview_id: str) -> list[dict[str, Any]]:
        collected: list[dict[str, Any]] = []
        after = 0
        while True:
            response = await self.http.get(
                f"/api/interviews/{interview_id}/events", params={"after": after, "limit": 5000},
                headers={"Accept": "application/msgpack"},
            )
            assert response.status_code == 200, response.text
            import msgpack

            page = msgpack.unpackb(response.content)["events"]
            if not page:
                return collected
            collected.extend(page)
            after = page[-1]["seq"]


@dataclass
class Peer:
    """One websocket member: remembers what it received and keeps an outbox until acked."""

    url: str
    role: str
    stream: str = field(default_factory=lambda: str(uuid.uuid4()))
    ws: ClientConnection | None = None
    welcome: Welcome | None = None
    last_seq: int = 0
    next_seq: int = 1
    acked: int = 0
    outbox: dict[int, ClientDataMessage] = field(default_factory=dict)
    events: list[Envelope[ServerMessage]] = field(default_factory=list)
    controls: list[ServerMessage] = field(default_factory=list)
    errors: list[Error] = field(default_factory=list)
    gaps: list[tuple[int, int]] = field(default_factory=list)
    # Extra keyword arguments for the websockets client (ping_interval, max_queue, ...).
    options: dict[str, Any] = field(default_factory=dict)

    async def connect(self, url: str | None = None) -> Welcome:
        self.ws = await connect(
            url or self.url, **{"max_size": None, "compression": None, **self.options}
        )
        await self.ws.send(encode(Hello(role=self.role, stream=self.stream, last_seq=self.last_seq)))
        welcome = decode_server_frame(await asyncio.wait_for(self.ws.recv(), 10)).message
        assert isinstance(welcome, Welcome), welcome
        self.welcome = welcome
        self.acked = max(self.acked, welcome.acked)
        for seq in [s for s in self.outbox if s <= welcome.acked]:
            del self.outbox[seq]
        for seq in sorted(self.outbox):
            await self.ws.send(encode(self.outbox[seq], seq=seq))
        return welcome

    async def send_as(self, message: ClientDataMessage, seq: int) -> None:
        """Send ``message`` with this ``seq`` as it is (a resend, a gap), outside the outbox."""
        assert self.ws is not None
        await self.ws.send(encode(message, seq=seq))

    def drop(self, *, flush: bool = False) -> None:
        """Lose the connection without a close handshake, keeping the outbox: at once, or
        (``flush``) after what was already sent has gone out."""
        assert self.ws is not None
        if flush:
            self.ws.transport.close()
        else:
            self.ws.transport.abort()
        self.ws = None

    async def send(self, message: ClientDataMessage) -> int:
        seq = self.next_seq
        self.next_seq += 1
        self.outbox[seq] = message
        assert self.ws is not None
        await self.ws.send(encode(message, seq=seq))
        return seq

    def enqueue(self, message: ClientDataMessage) -> int:
        """Give ``message`` the next seq and keep it in the outbox without sending it
        (what a client does while disconnected); ``connect`` resends it."""
        seq = self.next_seq
        self.next_seq += 1
        self.outbox[seq] = message
        return seq

    def _apply(self, envelope: Envelope[ServerMessage]) -> None:
        message = envelope.message
        if envelope.seq is not None:
            assert envelope.seq > self.last_seq, (envelope.seq, self.last_seq)
            if envelope.seq != self.last_seq + 1:
                # Allowed only for superseded face frames of a lagging observer.
                self.gaps.append((self.last_seq + 1, envelope.seq - 1))
            self.last_seq = envelope.seq
            self.events.append(envelope)
        elif isinstance(message, Ack):
            assert message.upto >= self.acked
            self.acked = message.upto
            for seq in [s for s in self.outbox if s <= message.upto]:
                del self.outbox[seq]
        elif isinstance(message, Error):
            self.errors.append(message)
            self.controls.append(message)
        else:
            self.controls.append(message)

    async def receive(self, timeout: float = 10) -> Envelope[ServerMessage]:
        assert self.ws is not None
        envelope = decode_server_frame(await asyncio.wait_for(self.ws.recv(), timeout))
        self._apply(envelope)
        return envelope

    async def until(self, predicate: Any, timeout: float = 20) -> None:
        """Receive until ``predicate(self)`` holds."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not predicate(self):
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"{self.role}: condition not met; last_seq={self.last_seq} acked={self.acked}")
            await self.receive(remaining)

    async def close_code(self, timeout: float = 15) -> int:
        """Read until the server closes; the close code."""
        assert self.ws is not None
        try:
            while True:
                envelope = decode_server_frame(await asyncio.wait_for(self.ws.recv(), timeout))
                self._apply(envelope)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd is not None else 1006

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None


async def watched_interview(api: Api, instructor: Api, **interview: Any) -> tuple[str, Peer, Peer]:
    """A new candidate's interview that ``instructor`` may observe, with the observer
    connected first and then the candidate: the interview's id and the two peers."""
    await api.sign_up()
    interview_id = await api.interview(**interview)
    await api.grant(interview_id, instructor.user["username"])
    observer = Peer(await instructor.ws_url(interview_id, "observer"), "observer")
    await observer.connect()
    candidate = Peer(await api.ws_url(interview_id, "candidate"), "candidate")
    await candidate.connect()
    return interview_id, observer, candidate
