import uuid
from datetime import datetime, timedelta, timezone

import msgpack
from quart.typing import TestClientProtocol as Client

from db.queries.tickets import redeem_ticket
from server.context import EngineApp
from tests.conftest import account, new_interview


async def test_create_and_read_an_interview(app: EngineApp) -> None:
    client, user = await account(app)
    created = await new_interview(client, kind="behavioral", role_title="  Product   manager ")
    assert created["kind"] == "behavioral"
    assert created["role_title"] == "Product manager"
    assert created["status"] == "created" and created["phase"] == "lobby"
    assert created["questions_total"] == 3 and created["head"] == 0

    response = await client.get(f"/api/interviews/{created['id']}")
    assert response.status_code == 200
    document = await response.get_json()
    assert document["id"] == created["id"]
    assert document["owner"]["username"] == user["username"]
    assert document["questions"] == [] and document["answers"] == [] and document["analyses"] == []

    listing = await (await client.get("/api/interviews")).get_json()
    assert created["id"] in [item["id"] for item in listing["interviews"]]


async def test_interview_read_as_msgpack(app: EngineApp) -> None:
    client, _ = await account(app)
    created = await new_interview(client)
    response = await client.get(
        f"/api/interviews/{created['id']}", headers={"Accept": "application/msgpack"}
    )
    assert response.mimetype == "application/msgpack"
    assert msgpack.unpackb(await response.get_data())["id"] == created["id"]


async def test_invalid_interview_is_refused_with_each_field(app: EngineApp) -> None:
    client, _ = await account(app)
    response = await client.post(
        "/api/interviews",
        json={"kind": "trivia", "role_title": "", "difficulty": "expert", "questions": 21},
    )
    assert response.status_code == 422
    assert set((await response.get_json())["error"]["details"]) == {
        "kind", "role_title", "difficulty", "questions",
    }
    for questions in (0, True, 2.5, "3"):
        bad = await client.post(
            "/api/interviews",
            json={"kind": "mixed", "role_title": "x", "difficulty": "mid", "questions": questions},
        )
        assert bad.status_code == (201 if questions == "3" else 422), questions


async def test_anonymous_requests_are_refused(client: Client) -> None:
    response = await client.post("/api/interviews", json={})
    assert response.status_code == 401
    assert (await response.get_json())["error"]["code"] == "not_authenticated"


async def test_instructors_do_not_create_interviews(app: EngineApp) -> None:
    client, _ = await account(app, "instructor")
    response = await client.post(
        "/api/interviews",
        json={"kind": "mixed", "role_title": "x", "difficulty": "mid", "questions": 2},
    )
    assert response.status_code == 403


async def test_another_users_interview_is_not_found(app: EngineApp) -> None:
    owner, _ = await account(app)
    created = await new_interview(owner)
    stranger, _ = await account(app)
    instructor, _ = await account(app, "instructor")
    for client in (stranger, instructor):
        for method, path, body in (
            ("GET", f"/api/interviews/{created['id']}", None),
            ("POST", f"/api/interviews/{created['id']}/observers", {"username": "someone"}),
            ("POST", f"/api/interviews/{created['id']}/tickets", {"role": "observer"}),
        ):
            response = await client.open(path, method=method, json=body)
            assert response.status_code == 404, (method, path)
            assert (await response.get_json())["error"]["code"] == "not_found"
        listing = await (await client.get("/api/interviews")).get_json()
        assert created["id"] not in [item["id"] for item in listing["interviews"]]
    missing = await owner.get(f"/api/interviews/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert (await owner.get("/api/interviews/not-a-uuid")).status_code == 404


async def test_grant_an_instructor_the_right_to_observe(app: EngineApp) -> None:
    owner, _ = await account(app)
    created = await new_interview(owner)
    instructor, instructor_user = await account(app, "instructor")
    _, other_candidate = await account(app)
    path = f"/api/interviews/{created['id']}/observers"

    not_instructor = await owner.post(path, json={"username": other_candidate["username"]})
    assert not_instructor.status_code == 422
    unknown = await owner.post(path, json={"username": "no-such-user-here"})
    assert unknown.status_code == 404

    granted = await owner.post(path, json={"username": instructor_user["username"].upper()})
    assert granted.status_code == 201
    again = await owner.post(path, json={"username": instructor_user["username"]})
    assert again.status_code == 200

    seen = await instructor.get(f"/api/interviews/{created['id']}")
    assert seen.status_code == 200
    assert [o["username"] for o in (await seen.get_json())["observers"]] == [
        instructor_user["username"]
    ]
    # The observer may not share it further.
    assert (await instructor.post(path, json={"username": instructor_user["username"]})).status_code == 403

    revoked = await owner.delete(f"{path}/{instructor_user['username']}")
    assert revoked.status_code == 204
    assert (await instructor.get(f"/api/interviews/{created['id']}")).status_code == 404


async def test_tickets_follow_the_roles(app: EngineApp) -> None:
    owner, _ = await account(app)
    created = await new_interview(owner)
    instructor, instructor_user = await account(app, "instructor")
    await owner.post(
        f"/api/interviews/{created['id']}/observers", json={"username": instructor_user["username"]}
    )
    path = f"/api/interviews/{created['id']}/tickets"

    for role in ("candidate", "observer"):
        response = await owner.post(path, json={"role": role})
        assert response.status_code == 201
        body = await response.get_json()
        assert body["url"] == f"/ws/interviews/{created['id']}?ticket={body['ticket']}"
        assert len(body["ticket"]) >= 32

    assert (await instructor.post(path, json={"role": "observer"})).status_code == 201
    assert (await instructor.post(path, json={"role": "candidate"})).status_code == 403
    assert (await owner.post(path, json={"role": "admin"})).status_code == 422


async def test_a_ticket_works_once_for_its_interview_before_it_expires(app: EngineApp) -> None:
    owner, user = await account(app)
    first = await new_interview(owner)
    second = await new_interview(owner)
    path = f"/api/interviews/{first['id']}/tickets"

    async def ticket() -> str:
        return str((await (await owner.post(path, json={"role": "candidate"})).get_json())["ticket"])

    token = await ticket()
    async with app.db.transaction() as session:
        redeemed = await redeem_ticket(session, token, uuid.UUID(first["id"]))
        assert redeemed is not None
        assert str(redeemed.user_id) == user["id"] and redeemed.role == "candidate"
    async with app.db.transaction() as session:
        assert await redeem_ticket(session, token, uuid.UUID(first["id"])) is None

    wrong_interview = await ticket()
    async with app.db.transaction() as session:
        assert await redeem_ticket(session, wrong_interview, uuid.UUID(second["id"])) is None
    async with app.db.transaction() as session:
        # Spent by the failed attempt: a ticket is never tried twice.
        assert await redeem_ticket(session, wrong_interview, uuid.UUID(first["id"])) is None

    expiring = await ticket()
    later = datetime.now(timezone.utc) + timedelta(seconds=61)
    async with app.db.transaction() as session:
        assert await redeem_ticket(session, expiring, uuid.UUID(first["id"]), now=later) is None

    async with app.db.transaction() as session:
        assert await redeem_ticket(session, "made-up-token", uuid.UUID(first["id"])) is None
