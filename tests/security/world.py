"""A small world of accounts and interviews for authorisation tests, reached through the
app's in-process test client with each actor's own cookies.

Interview A belongs to ``owner`` and is shared with ``granted``; interview B belongs to
``other_candidate`` and is shared with ``other_instructor``. Seen from interview B the
roles swap, so every actor meets both an interview of their own (or shared with them) and
someone else's.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from quart.typing import TestClientProtocol as Client

from protocol import Audio, Hello, Welcome, decode_server_frame, encode
from server.context import EngineApp
from tests.conftest import address, log_in, register

ActorName = Literal["anonymous", "owner", "other_candidate", "granted", "other_instructor"]
ACTORS: tuple[ActorName, ...] = (
    "anonymous", "owner", "other_candidate", "granted", "other_instructor",
)
Relation = Literal["anonymous", "owner", "granted", "stranger"]
OWN_ORIGIN = "http://localhost"

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Actor:
    name: ActorName
    kind: Literal["anonymous", "candidate", "instructor"]
    username: str = ""
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""

    @property
    def cookie_header(self) -> dict[str, str]:
        if not self.cookies:
            return {}
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}


@dataclass
class World:
    app: EngineApp
    actors: dict[ActorName, Actor]
    a: str  # the owner's interview, shared with "granted"
    b: str  # other_candidate's interview, shared with "other_instructor"
    spare_instructor: str  # granted and revoked by the tests of sharing
    spare_candidate: str  # logs in through the login tests
    recorded: bool = False

    def relation(self, actor: Actor, interview_id: str) -> Relation:
        if actor.kind == "anonymous":
            return "anonymous"
        mine = {self.a: ("owner", "granted"), self.b: ("other_candidate", "other_instructor")}
        owner, granted = mine[interview_id]
        if actor.name == owner:
            return "owner"
        if actor.name == granted:
            return "granted"
        return "stranger"

    def client(self) -> Client:
        return self.app.test_client(use_cookies=False)

    async def request(self, actor: Actor, method: str, path: str, *, json: Any = None,
                      form: dict[str, str] | None = None, content: bytes | None = None) -> Any:
        headers = dict(actor.cookie_header)
        kwargs: dict[str, Any] = {"headers": headers, "scope_base": address()}
        if content is not None:
            headers["Content-Type"] = "text/plain; charset=utf-8"
            kwargs["data"] = content
        elif form is not None:
            kwargs["form"] = {**form, "csrf_token": actor.csrf}
        elif json is not None:
            kwargs["json"] = json
        return await self.client().open(path, method=method, **kwargs)

    async def websocket(self, actor: Actor, interview_id: str, role: str) -> int | Welcome:
        """Welcome when admitted, else the close code."""
        headers = {**actor.cookie_header, "Origin": OWN_ORIGIN}
        async with self.client().websocket(f"/ws/interviews/{interview_id}", headers=headers) as ws:
            await ws.send(encode(Hello(role=role, stream=str(uuid.uuid4()), last_seq=0)))
            try:
                message = decode_server_frame(await ws.receive()).message
            except Exception as closed:  # WebsocketDisconnectError carries the close code
                return int(closed.args[0])
            assert isinstance(message, Welcome), message
            return message

    async def ensure_recordings(self) -> None:
        """Give A and B one audio chunk each, so their recordings exist."""
        if self.recorded:
            return
        for owner, interview_id in (("owner", self.a), ("other_candidate", self.b)):
            headers = {**self.actors[owner].cookie_header, "Origin": OWN_ORIGIN}  # type: ignore[index]
            async with self.client().websocket(f"/ws/interviews/{interview_id}", headers=headers) as ws:
                await ws.send(encode(Hello(role="candidate", stream=str(uuid.uuid4()), last_seq=0)))
                await ws.receive()
                await ws.send(encode(Audio(chunk=0, mime="audio/webm", data=b"\x1a\x45\xdf\xa3"), seq=1))
                while True:
                    frame = decode_server_frame(await ws.receive())
                    if frame.message.TYPE == "ack" and frame.message.upto >= 1:  # type: ignore[attr-defined]
                        break
        self.recorded = True


async def _signed_in(app: EngineApp, name: ActorName, kind: str) -> Actor:
    client = app.test_client()
    user = await register(client, kind)
    assert (await log_in(client, user["username"])).status_code == 200
    actor = Actor(name, kind, user["username"])  # type: ignore[arg-type]
    await _collect(app, client, actor)
    return actor


async def _collect(app: EngineApp, client: Client, actor: Actor) -> None:
    """The actor's cookies (auth and session) and the CSRF token of their session."""
    page = await client.get("/login", scope_base=address())
    actor.csrf = _CSRF.search(await page.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    assert client.cookie_jar is not None
    actor.cookies = {cookie.name: cookie.value for cookie in client.cookie_jar}


async def build_world(app: EngineApp) -> World:
    actors = {
        "owner": await _signed_in(app, "owner", "candidate"),
        "other_candidate": await _signed_in(app, "other_candidate", "candidate"),
        "granted": await _signed_in(app, "granted", "instructor"),
        "other_instructor": await _signed_in(app, "other_instructor", "instructor"),
    }
    anonymous = Actor("anonymous", "anonymous")
    await _collect(app, app.test_client(), anonymous)
    actors["anonymous"] = anonymous
    ids = {}
    for owner, shared in (("owner", "granted"), ("other_candidate", "other_instructor")):
        client = app.test_client(use_cookies=False)
        client_headers = actors[owner].cookie_header  # type: ignore[index]
        created = await client.post(
            "/api/interviews", headers=client_headers,
            json={"kind": "technical", "role_title": "Engineer", "difficulty": "mid", "questions": 2},
        )
        assert created.status_code == 201
        interview_id = (await created.get_json())["id"]
        granted = await client.post(
            f"/api/interviews/{interview_id}/observers", headers=client_headers,
            json={"username": actors[shared].username},  # type: ignore[index]
        )
        assert granted.status_code == 201
        ids[owner] = interview_id
    spare_client = app.test_client()
    spare_instructor = (await register(spare_client, "instructor"))["username"]
    spare_candidate = (await register(spare_client, "candidate"))["username"]
    return World(app, actors, ids["owner"], ids["other_candidate"],  # type: ignore[arg-type]
                 spare_instructor, spare_candidate)

