"""What keeps other sites out: security headers, cookie flags, CSRF tokens on every form,
and the Origin check of the websocket (cross-site websocket hijacking)."""

from __future__ import annotations

import dataclasses
import re
import uuid
from typing import Any, AsyncIterator, Callable

import pytest
from quart.testing import app as quart_testing

from protocol import Hello, decode_server_frame, encode
from server.app import create_app
from server.context import EngineApp
from server.security_headers import CONTENT_SECURITY_POLICY
from server.settings import PROJECT_ROOT, Settings
from tests.conftest import PASSWORD, account, address, log_in, new_interview, register, unique_name
from tests.security.world import OWN_ORIGIN

TEMPLATES = PROJECT_ROOT / "web" / "templates"


async def test_every_response_carries_the_security_headers(app: EngineApp) -> None:
    client = app.test_client()
    for path in ("/", "/login", "/api/session", "/healthz", "/static/css/app.css", "/nowhere"):
        response = await client.get(path)
        headers = response.headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "camera=(self)" in headers["Permissions-Policy"]
        assert "microphone=(self)" in headers["Permissions-Policy"]
        assert "Strict-Transport-Security" not in headers  # plain HTTP in tests
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert "'unsafe-eval'" not in CONTENT_SECURITY_POLICY.replace("'wasm-unsafe-eval'", "")
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"


def test_templates_have_no_inline_script_or_style() -> None:
    """The policy would block them: scripts are files, page data goes in data- attributes."""
    for template in TEMPLATES.glob("*.html"):
        html = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, (template.name, tag)
        assert not re.search(r"<script\b(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>\s*\S", html)
        assert not re.search(r"\sstyle=", html), template.name
        assert not re.search(r"\son[a-z]+=", html), template.name
        assert "javascript:" not in html, template.name


@pytest.fixture(scope="module")
async def production_app(settings: Settings) -> AsyncIterator[EngineApp]:
    production = dataclasses.replace(settings, environment="production", cookie_secure=True)
    app = create_app(production)
    async with quart_testing.TestApp(app, startup_timeout=60, shutdown_timeout=60):
        yield app


def _set_cookies(response: Any) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


async def test_cookies_are_httponly_samesite_and_secure_in_production(production_app: EngineApp) -> None:
    client = production_app.test_client()
    username = unique_name("prod")
    body = {"username": username, "password": PASSWORD, "role": "candidate"}
    assert (await client.post("/api/users", json=body, scheme="https")).status_code == 201
    page = await client.get("/login", scheme="https")  # the session cookie with the CSRF token
    response = await client.post(
        "/api/session", json={"username": username, "password": PASSWORD}, scheme="https",
        scope_base=address(),
    )
    assert response.status_code == 200
    cookies = {**_set_cookies(page), **_set_cookies(response)}
    assert {"session", "QUART_AUTH"} <= set(cookies), cookies
    for header in cookies.values():
        attributes = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
        assert {"httponly", "secure", "samesite"} <= attributes, header
        assert "samesite=lax" in header.lower(), header
    hsts = (await client.get("/healthz", scheme="https")).headers.get("Strict-Transport-Security")
    assert hsts is not None and "max-age=" in hsts


async def test_cookies_are_not_secure_over_plain_http_in_development(app: EngineApp) -> None:
    client = app.test_client()
    user = await register(client)
    response = await log_in(client, user["username"])
    header = _set_cookies(response)["QUART_AUTH"]
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" not in header


# Every HTML form post of the app, with fields that would succeed given a valid token. A new
# form route without an entry here fails test_every_form_route_has_a_csrf_case.
FormFields = Callable[[dict[str, str]], dict[str, str]]
FORMS: dict[str, FormFields] = {
    "/register": lambda ctx: {"username": unique_name("csrf"), "password": PASSWORD, "role": "candidate"},
    "/login": lambda ctx: {"username": ctx["username"], "password": PASSWORD},
    "/logout": lambda ctx: {},
    "/interviews": lambda ctx: {"kind": "technical", "role_title": "QA", "difficulty": "mid", "questions": "2"},
    "/interviews/<interview_id>/observers": lambda ctx: {"username": ctx["instructor"]},
    "/interviews/<interview_id>/delete": lambda ctx: {"confirm": "yes"},
    "/account/delete": lambda ctx: {"confirm": "yes", "password": PASSWORD},
    "/account/import": lambda ctx: {},
}


def _form_routes(app: EngineApp) -> set[str]:
    return {
        rule.rule for rule in app.url_map.iter_rules()
        if not rule.websocket and "POST" in (rule.methods or set())
        and not rule.rule.startswith("/api/")
    }


def test_every_form_route_has_a_csrf_case(app: EngineApp) -> None:
    missing = sorted(_form_routes(app) - set(FORMS))
    assert not missing, f"form routes without a CSRF case in FORMS ({__file__}): {missing}"


def test_every_post_form_in_the_templates_carries_the_token() -> None:
    for template in TEMPLATES.glob("*.html"):
        for form in re.findall(r"<form\b[^>]*method=\"post\".*?</form>", template.read_text(), re.S | re.I):
            assert 'name="csrf_token" value="{{ csrf_token() }}"' in form, (template.name, form[:120])


@pytest.mark.parametrize("token", ["missing", "forged", "another session's"])
async def test_form_posts_without_the_sessions_token_change_nothing(app: EngineApp, token: str) -> None:
    owner, owner_user = await account(app)
    interview = await new_interview(owner)
    _, instructor = await account(app, "instructor")
    other = app.test_client()
    await other.get("/login")
    other_page = await (await other.get("/login")).get_data(as_text=True)
    other_token = re.search(r'name="csrf_token" value="([^"]+)"', other_page).group(1)  # type: ignore[union-attr]
    await owner.get("/login")  # the owner's session holds a token of its own
    context = {"username": owner_user["username"], "instructor": instructor["username"]}
    before = await (await owner.get(f"/api/interviews/{interview['id']}")).get_json()
    listed = len((await (await owner.get("/api/interviews")).get_json())["interviews"])
    for rule, fields in FORMS.items():
        form = fields(context)
        if token == "forged":
            form["csrf_token"] = "forged-" + uuid.uuid4().hex
        elif token == "another session's":
            form["csrf_token"] = other_token
        path = rule.replace("<interview_id>", interview["id"])
        response = await owner.post(path, form=form, scope_base=address())
        assert response.status_code == 400, (rule, response.status_code)
        if rule == "/register":
            taken = await app.test_client().post(
                "/api/users", json={"username": form["username"], "password": PASSWORD, "role": "candidate"})
            assert taken.status_code == 201, "the refused form created the account"
    # Still logged in (no logout), no new interview, nobody granted.
    assert (await owner.get("/api/session")).status_code == 200
    assert len((await (await owner.get("/api/interviews")).get_json())["interviews"]) == listed
    after = await (await owner.get(f"/api/interviews/{interview['id']}")).get_json()
    assert after["observers"] == before["observers"] == []


async def test_a_foreign_origin_cannot_use_the_session_cookie_on_the_websocket(app: EngineApp) -> None:
    owner, _ = await account(app)
    interview = await new_interview(owner)
    assert owner.cookie_jar is not None
    cookie = "; ".join(f"{c.name}={c.value}" for c in owner.cookie_jar)
    path = f"/ws/interviews/{interview['id']}"

    async def handshake(headers: dict[str, str]) -> Any:
        client = app.test_client(use_cookies=False)
        async with client.websocket(path, headers=headers) as ws:
            await ws.send(encode(Hello(role="candidate", stream=str(uuid.uuid4()), last_seq=0)))
            try:
                return decode_server_frame(await ws.receive()).message.TYPE
            except Exception as closed:
                return int(closed.args[0])

    for origin in ("https://evil.example", "http://localhost.evil.example", "null", "http://localhost:1"):
        assert await handshake({"Cookie": cookie, "Origin": origin}) == 4003, origin
    assert await handshake({"Cookie": cookie}) == 4003  # no Origin at all
    assert await handshake({"Cookie": cookie, "Origin": OWN_ORIGIN}) == "welcome"
