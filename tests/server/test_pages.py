import re

from quart.typing import TestClientProtocol as Client

from server.context import EngineApp
from tests.conftest import PASSWORD, account, address, new_interview, register, unique_name


async def csrf(client: Client, path: str = "/register") -> str:
    page = await (await client.get(path)).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


async def test_landing_page_links_to_register_and_login(client: Client) -> None:
    page = await (await client.get("/")).get_data(as_text=True)
    assert 'href="/register"' in page and 'href="/login"' in page
    assert "/vendor/bootstrap/css/bootstrap.min.css" in page


async def test_register_log_out_log_in_and_create_an_interview_through_forms(
    client: Client,
) -> None:
    username = unique_name("web")
    response = await client.post(
        "/register",
        form={
            "csrf_token": await csrf(client),
            "username": username,
            "password": PASSWORD,
            "role": "candidate",
            "display_name": "Web User",
        },
    )
    assert response.status_code == 302
    dashboard = await (await client.get("/")).get_data(as_text=True)
    assert "Web User" in dashboard and "New interview" in dashboard

    token = await csrf(client, "/")
    assert (await client.post("/logout", form={"csrf_token": token})).status_code == 302
    assert "Web User" not in await (await client.get("/")).get_data(as_text=True)

    login = await client.post(
        "/login",
        form={"csrf_token": await csrf(client, "/login"), "username": username, "password": PASSWORD},
        scope_base=address(),
    )
    assert login.status_code == 302 and login.headers["Location"] == "/"

    created = await client.post(
        "/interviews",
        form={
            "csrf_token": await csrf(client, "/"),
            "kind": "mixed",
            "role_title": "Data engineer",
            "difficulty": "senior",
            "questions": "4",
        },
    )
    assert created.status_code == 302
    page = await (await client.get(created.headers["Location"])).get_data(as_text=True)
    assert "Data engineer" in page and "4 questions" in page


async def test_form_posts_without_the_csrf_token_are_refused(client: Client) -> None:
    await csrf(client)
    for token in (None, "forged-token"):
        form = {"username": unique_name("csrf"), "password": PASSWORD, "role": "candidate"}
        if token:
            form["csrf_token"] = token
        response = await client.post("/register", form=form)
        assert response.status_code == 400
    # Nothing was created: the same name can still be registered.
    response = await client.post("/register", form={**form, "csrf_token": await csrf(client)})
    assert response.status_code == 302


async def test_registration_form_shows_each_problem(client: Client) -> None:
    response = await client.post(
        "/register",
        form={"csrf_token": await csrf(client), "username": "x", "password": "short"},
    )
    assert response.status_code == 422
    page = await response.get_data(as_text=True)
    assert page.count("invalid-feedback") == 2


async def test_wrong_password_on_the_login_page(client: Client) -> None:
    user = await register(client)
    response = await client.post(
        "/login",
        form={
            "csrf_token": await csrf(client, "/login"),
            "username": user["username"],
            "password": "not it at all",
        },
        scope_base=address(),
    )
    assert response.status_code == 401
    assert "Wrong username or password." in await response.get_data(as_text=True)


async def test_login_never_redirects_off_site(client: Client) -> None:
    user = await register(client)
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = await client.post(
            "/login",
            form={
                "csrf_token": await csrf(client, "/login"),
                "username": user["username"],
                "password": PASSWORD,
                "next": target,
            },
            scope_base=address(),
        )
        assert response.status_code == 302
        assert response.headers["Location"] == "/"


async def test_pages_that_need_a_login_redirect_to_it(client: Client) -> None:
    response = await client.get("/interviews/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


async def test_another_users_interview_page_is_not_found(app: EngineApp) -> None:
    owner, _ = await account(app)
    created = await new_interview(owner)
    stranger, _ = await account(app)
    response = await stranger.get(f"/interviews/{created['id']}")
    assert response.status_code == 404
    assert created["role_title"] not in await response.get_data(as_text=True)


async def test_vendor_files_are_served_locally_and_nothing_else(client: Client) -> None:
    assert (await client.get("/vendor/bootstrap/css/bootstrap.min.css")).status_code == 200
    assert (await client.get("/vendor/fontawesome/css/all.min.css")).status_code == 200
    assert (await client.get("/vendor/fontawesome/package.json")).status_code == 404
    assert (await client.get("/vendor/bootstrap/../../package.json")).status_code == 404
    assert (await client.get("/vendor/unknown/x.js")).status_code == 404
    # Face tracking: the library's dist/ and models/, and only the .wasm binaries of its backend.
    assert (await client.get("/vendor/human/dist/human.esm.js")).status_code == 200
    assert (await client.get("/vendor/human/models/blazeface.json")).status_code == 200
    assert (await client.get("/vendor/human/package.json")).status_code == 404
    assert (await client.get("/vendor/human/src/human.ts")).status_code == 404
    wasm = await client.get("/vendor/tfjs-wasm/tfjs-backend-wasm-simd.wasm")
    assert wasm.status_code == 200 and wasm.mimetype == "application/wasm"
    assert (await client.get("/vendor/tfjs-wasm/tf-backend-wasm.js")).status_code == 404


async def test_the_live_room_is_only_for_the_interviews_candidate(app: EngineApp) -> None:
    owner, _ = await account(app)
    created = await new_interview(owner, role_title="Room owner's role")
    room = f"/interviews/{created['id']}/room"

    response = await owner.get(room)
    assert response.status_code == 200
    page = await response.get_data(as_text=True)
    assert f'data-interview-id="{created["id"]}"' in page
    assert "js/room.js" in page
    interview_page = await (await owner.get(f"/interviews/{created['id']}")).get_data(as_text=True)
    assert f'href="{room}"' in interview_page

    # A granted instructor observes elsewhere; the room itself is as unknown to them as to
    # a stranger.
    instructor, teacher = await account(app, "instructor")
    granted = await owner.post(f"/api/interviews/{created['id']}/observers", json={"username": teacher["username"]})
    assert granted.status_code == 201
    assert (await instructor.get(f"/interviews/{created['id']}")).status_code == 200
    assert f'href="{room}"' not in await (await instructor.get(f"/interviews/{created['id']}")).get_data(as_text=True)
    stranger, _ = await account(app)
    for other in (instructor, stranger):
        response = await other.get(room)
        assert response.status_code == 404
        assert "Room owner" not in await response.get_data(as_text=True)

    anonymous = app.test_client()
    response = await anonymous.get(room)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert (await owner.get("/interviews/not-a-uuid/room")).status_code == 404
