"""Passwords, the secret key and ticket values never reach a log: neither the app's loggers
(captured at DEBUG) nor a development server's output, which includes its request log."""

from __future__ import annotations

import logging
import re
import uuid
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from protocol import Hello, encode
from server.context import EngineApp
from tests.conftest import address, unique_name
from tests.live_server import live_server

PASSWORD = "s3cret-Passw0rd-never-logged"
WRONG_PASSWORD = "wr0ng-Passw0rd-never-logged"
SECRET_KEY = "secret-key-that-must-never-appear-in-a-log-0123456789"


def assert_clean(text: str, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in text, f"{secret[:6]}… appears in the log"


async def test_app_loggers_never_see_secrets(app: EngineApp, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    username = unique_name("logs")
    body = {"username": username, "password": PASSWORD, "role": "candidate"}
    assert (await client.post("/api/users", json=body)).status_code == 201
    wrong = await client.post(
        "/api/session", json={"username": username, "password": WRONG_PASSWORD}, scope_base=address())
    assert wrong.status_code == 401
    page = await (await client.get("/login")).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    form = {"username": username, "password": PASSWORD, "csrf_token": token}
    assert (await client.post("/login", form=form, scope_base=address())).status_code == 302
    interview = await (await client.post("/api/interviews", json={
        "kind": "technical", "role_title": "SRE", "difficulty": "mid", "questions": 1})).get_json()
    issued = await (await client.post(
        f"/api/interviews/{interview['id']}/tickets", json={"role": "candidate"})).get_json()
    for _ in range(2):  # used, then refused as spent
        async with app.test_client(use_cookies=False).websocket(issued["url"]) as ws:
            await ws.send(encode(Hello(role="candidate", stream=str(uuid.uuid4()), last_seq=0)))
            try:
                await ws.receive()
            except Exception:
                pass
    cookie_values = [c.value for c in client.cookie_jar or []]
    records = "\n".join(
        f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records
    )
    assert_clean(records + caplog.text, [
        PASSWORD, WRONG_PASSWORD, app.settings.secret_key, issued["ticket"], *cookie_values])


async def test_a_development_server_logs_no_secrets(database_url: str, tmp_path: Path) -> None:
    env = {
        "APP_ENV": "development",  # readable request lines in development
        "DATABASE_URL": database_url,
        "DATA_DIR": str(tmp_path / "data"),
        "RECORDINGS_DIR": str(tmp_path / "recordings"),
        "SECRET_KEY": SECRET_KEY,
    }
    log = tmp_path / "server.log"
    with live_server(env, log=log) as (url, _):
        async with httpx.AsyncClient(base_url=url) as http:
            username = unique_name("devlog")
            body = {"username": username, "password": PASSWORD, "role": "candidate"}
            assert (await http.post("/api/users", json=body)).status_code == 201
            wrong = {"username": username, "password": WRONG_PASSWORD}
            assert (await http.post("/api/session", json=wrong)).status_code == 401
            right = {"username": username, "password": PASSWORD}
            assert (await http.post("/api/session", json=right)).status_code == 200
            interview = (await http.post("/api/interviews", json={
                "kind": "technical", "role_title": "SRE", "difficulty": "mid", "questions": 1})).json()
            issued = (await http.post(
                f"/api/interviews/{interview['id']}/tickets", json={"role": "candidate"})).json()
            cookies = list(http.cookies.values())
        async with connect(url.replace("http", "ws", 1) + issued["url"]) as ws:
            await ws.send(encode(Hello(role="candidate", stream=str(uuid.uuid4()), last_seq=0)))
            await ws.recv()
    text = log.read_text()
    # Requests are logged by the app, by route template (never the query string).
    assert "/api/interviews/<interview_id>/tickets" in text, "the request log was not written"
    assert_clean(text, [PASSWORD, WRONG_PASSWORD, SECRET_KEY, issued["ticket"], *cookies])
