"""Websocket tickets end to end: single use, short-lived, bound to user, interview and role."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text

from protocol import Hello, NoteRequest, NoteEvent, Welcome, decode_server_frame, encode
from server.context import EngineApp
from tests.conftest import account, new_interview


async def ticket(client: Any, interview_id: str, role: str) -> str:
    response = await client.post(f"/api/interviews/{interview_id}/tickets", json={"role": role})
    assert response.status_code == 201, await response.get_data(as_text=True)
    body = await response.get_json()
    assert body["expires_in"] == 60
    return str(body["url"])


async def connect(app: EngineApp, url: str, role: str) -> Any:
    """Welcome, or the close code the server answered with."""
    async with app.test_client(use_cookies=False).websocket(url) as ws:
        await ws.send(encode(Hello(role=role, stream=str(uuid.uuid4()), last_seq=0)))
        try:
            return decode_server_frame(await ws.receive()).message
        except Exception as closed:
            return int(closed.args[0])


async def test_a_ticket_works_once(app: EngineApp) -> None:
    owner, _ = await account(app)
    interview = await new_interview(owner)
    url = await ticket(owner, interview["id"], "candidate")
    assert isinstance(await connect(app, url, "candidate"), Welcome)
    assert await connect(app, url, "candidate") == 4001


async def test_an_expired_ticket_is_refused(app: EngineApp) -> None:
    owner, _ = await account(app)
    interview = await new_interview(owner)
    url = await ticket(owner, interview["id"], "candidate")
    async with app.db.transaction() as session:
        await session.execute(
            text("UPDATE tickets SET expires_at = now() - interval '1 second' WHERE interview_id = :id"),
            {"id": uuid.UUID(interview["id"])},
        )
    assert await connect(app, url, "candidate") == 4001


async def test_a_ticket_is_for_its_interview_only(app: EngineApp) -> None:
    owner, _ = await account(app)
    first, second = await new_interview(owner), await new_interview(owner)
    url = await ticket(owner, first["id"], "candidate")
    assert await connect(app, url.replace(first["id"], second["id"]), "candidate") == 4001
    # Spent by that attempt: it does not work for its own interview afterwards either.
    assert await connect(app, url, "candidate") == 4001


async def test_a_ticket_is_for_its_role_only(app: EngineApp) -> None:
    owner, _ = await account(app)
    interview = await new_interview(owner)
    observer_ticket = await ticket(owner, interview["id"], "observer")
    assert await connect(app, observer_ticket, "candidate") == 4003
    candidate_ticket = await ticket(owner, interview["id"], "candidate")
    assert await connect(app, candidate_ticket, "observer") == 4003


async def test_a_ticket_acts_as_the_user_it_was_issued_to(app: EngineApp) -> None:
    owner, _ = await account(app)
    instructor, instructor_user = await account(app, "instructor")
    interview = await new_interview(owner)
    grant = await owner.post(
        f"/api/interviews/{interview['id']}/observers", json={"username": instructor_user["username"]}
    )
    assert grant.status_code == 201
    url = await ticket(instructor, interview["id"], "observer")
    async with app.test_client(use_cookies=False).websocket(url) as ws:
        await ws.send(encode(Hello(role="observer", stream=str(uuid.uuid4()), last_seq=0)))
        assert isinstance(decode_server_frame(await ws.receive()).message, Welcome)
        await ws.send(encode(NoteRequest(text="posture", to="observers"), seq=1))
        while True:
            message = decode_server_frame(await ws.receive()).message
            if isinstance(message, NoteEvent):
                break
    assert message.to_payload()["from"] == instructor_user["id"]


async def test_a_ticket_does_not_outlive_the_access_it_was_issued_for(app: EngineApp) -> None:
    owner, _ = await account(app)
    instructor, instructor_user = await account(app, "instructor")
    interview = await new_interview(owner)
    path = f"/api/interviews/{interview['id']}/observers"
    assert (await owner.post(path, json={"username": instructor_user["username"]})).status_code == 201
    url = await ticket(instructor, interview["id"], "observer")
    assert (await owner.delete(f"{path}/{instructor_user['username']}")).status_code == 204
    assert await connect(app, url, "observer") == 4004
