from quart.typing import TestClientProtocol as Client

from server.context import EngineApp
from tests.conftest import PASSWORD, address, log_in, register, unique_name


async def test_register_then_log_in_and_out(client: Client) -> None:
    user = await register(client, "candidate", display_name="Ada  Lovelace")
    assert user["role"] == "candidate"
    assert user["display_name"] == "Ada Lovelace"
    assert "password" not in str(user) and "hash" not in str(user)

    assert (await client.get("/api/session")).status_code == 401
    response = await log_in(client, user["username"])
    assert response.status_code == 200
    assert (await response.get_json())["user"]["username"] == user["username"]
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie

    me = await client.get("/api/session")
    assert (await me.get_json())["user"]["id"] == user["id"]

    assert (await client.delete("/api/session")).status_code == 204
    assert (await client.get("/api/session")).status_code == 401


async def test_username_is_case_insensitive_and_unique(client: Client) -> None:
    name = unique_name("dup")
    body = {"username": name.upper(), "password": PASSWORD, "role": "instructor"}
    first = await client.post("/api/users", json=body)
    assert first.status_code == 201
    assert (await first.get_json())["username"] == name
    second = await client.post("/api/users", json=body)
    assert second.status_code == 409
    assert (await second.get_json())["error"]["code"] == "conflict"


async def test_invalid_registrations_name_each_field(client: Client) -> None:
    response = await client.post(
        "/api/users", json={"username": "a", "password": "short", "role": "admin"}
    )
    assert response.status_code == 422
    error = (await response.get_json())["error"]
    assert error["code"] == "invalid"
    assert set(error["details"]) == {"username", "password", "role"}


async def test_wrong_password_is_refused(client: Client) -> None:
    user = await register(client)
    response = await log_in(client, user["username"], "not the password")
    assert response.status_code == 401
    assert (await response.get_json())["error"]["code"] == "not_authenticated"
    unknown = await log_in(client, unique_name("ghost"), "whatever-password")
    assert unknown.status_code == 401
    assert (await unknown.get_json()) == (await response.get_json())


async def test_failed_logins_are_limited_per_account(client: Client) -> None:
    user = await register(client)
    for _ in range(5):
        assert (await log_in(client, user["username"], "wrong password!")).status_code == 401
    # Even the right password is refused while the account is throttled, from any address.
    throttled = await log_in(client, user["username"])
    assert throttled.status_code == 429
    assert (await throttled.get_json())["error"]["code"] == "rate_limited"
    assert int(throttled.headers["Retry-After"]) > 0


async def test_failed_logins_are_limited_per_address(client: Client) -> None:
    same_address = address()
    for _ in range(20):
        response = await client.post(
            "/api/session",
            json={"username": unique_name("nobody"), "password": "guess-guess"},
            scope_base=same_address,
        )
        assert response.status_code == 401
    user = await register(client)
    blocked = await client.post(
        "/api/session",
        json={"username": user["username"], "password": PASSWORD},
        scope_base=same_address,
    )
    assert blocked.status_code == 429
    assert (await log_in(client, user["username"])).status_code == 200


async def test_a_good_login_clears_the_accounts_failures(client: Client) -> None:
    user = await register(client)
    for _ in range(4):
        await log_in(client, user["username"], "wrong password!")
    assert (await log_in(client, user["username"])).status_code == 200
    for _ in range(4):
        assert (await log_in(client, user["username"], "wrong password!")).status_code == 401
    assert (await log_in(client, user["username"])).status_code == 200


async def test_api_accepts_only_json_or_msgpack_bodies(client: Client) -> None:
    response = await client.post("/api/users", form={"username": "formuser", "password": PASSWORD})
    assert response.status_code == 415
    broken = await client.post(
        "/api/users", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert (await broken.get_json())["error"]["code"] == "bad_request"


async def test_msgpack_in_and_out(client: Client) -> None:
    import msgpack

    name = unique_name("mp")
    response = await client.post(
        "/api/users",
        data=msgpack.packb({"username": name, "password": PASSWORD, "role": "candidate"}),
        headers={"Content-Type": "application/msgpack", "Accept": "application/msgpack"},
    )
    assert response.status_code == 201
    assert response.mimetype == "application/msgpack"
    assert msgpack.unpackb(await response.get_data())["username"] == name


async def test_passwords_are_stored_hashed(app: EngineApp, client: Client) -> None:
    from db.queries.users import get_user_by_username

    user = await register(client)
    async with app.db.transaction() as session:
        stored = await get_user_by_username(session, user["username"])
    assert stored is not None
    assert PASSWORD not in stored.password_hash
    assert stored.password_hash.startswith("scrypt:")
