"""Readiness, the metrics endpoint's protection, body limits, log redaction, and the data
pages (account page, delete buttons with confirmation, import form)."""

from __future__ import annotations

import io
import logging
import re
import uuid

import msgpack
from quart.typing import TestClientProtocol as Client

from server.context import EngineApp
from server.observability.logs import JsonFormatter, Redact
from tests.conftest import PASSWORD, account, new_interview
from tests.server.test_pages import csrf


async def test_readyz_reports_the_event_writer(app: EngineApp, client: Client) -> None:
    writer = app.hub.writer
    assert writer.is_healthy()
    writer.healthy = False
    try:
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert (await response.get_json())["event_log"] == "degraded"
    finally:
        writer.healthy = True
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and (await ready.get_json())["event_log"] == "ok"


async def test_metrics_are_not_served_without_a_token(client: Client) -> None:
    assert (await client.get("/metrics")).status_code == 404


async def test_large_bodies_are_refused(client: Client) -> None:
    big = b"{" + b" " * (17 * 1024 * 1024) + b"}"
    response = await client.post("/api/users", data=big, headers={"Content-Type": "application/json"})
    assert response.status_code == 413


def test_redaction_masks_secrets_in_messages_and_tracebacks() -> None:
    secret = "s3cr3t-value-0123456789"
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "key is %s", (secret,), None)
    try:
        raise ValueError(f"boom {secret}")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    assert Redact([secret]).filter(record)
    line = JsonFormatter().format(record)
    assert secret not in line and "[redacted]" in line and "boom" in line


async def test_delete_buttons_ask_for_confirmation(app: EngineApp) -> None:
    client, user = await account(app)
    interview = await new_interview(client)
    page = await (await client.get(f"/interviews/{interview['id']}")).get_data(as_text=True)
    assert 'data-testid="delete-interview"' in page and 'name="confirm"' in page
    assert f'href="/api/interviews/{interview["id"]}/export"' in page
    token = await csrf(client, f"/interviews/{interview['id']}")
    unconfirmed = await client.post(f"/interviews/{interview['id']}/delete",
                                    form={"csrf_token": token})
    assert unconfirmed.status_code == 302
    assert (await client.get(f"/api/interviews/{interview['id']}")).status_code == 200
    no_token = await client.post(f"/interviews/{interview['id']}/delete", form={"confirm": "yes"})
    assert no_token.status_code == 400
    other, _ = await account(app)
    assert (await other.post(f"/interviews/{interview['id']}/delete",
                             form={"csrf_token": await csrf(other, "/"), "confirm": "yes"})
            ).status_code == 404
    done = await client.post(f"/interviews/{interview['id']}/delete",
                             form={"csrf_token": token, "confirm": "yes"})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert (await client.get(f"/api/interviews/{interview['id']}")).status_code == 404


async def test_account_page_import_and_delete(app: EngineApp) -> None:
    client, user = await account(app)
    page = await (await client.get("/account")).get_data(as_text=True)
    for testid in ("archive-link", "import-form", "delete-account"):
        assert f'data-testid="{testid}"' in page
    token = await csrf(client, "/account")

    interview_id = str(uuid.uuid4())
    header = {"record": "header", "format": "interview-engine/interview", "version": 1,
              "exported_at": 0, "interview": {
                  "id": interview_id, "kind": "behavioral", "role_title": "Imported",
                  "difficulty": "junior", "questions_total": 1, "status": "created",
                  "phase": "lobby", "question_idx": 0, "head": 0, "score": None, "plan": None,
                  "created_at": None, "started_at": None,
                  "finished_at": None},
              "questions": [], "answers": [], "analyses": [], "recordings": []}
    body = msgpack.packb(header) + msgpack.packb({"record": "end", "events": 0})
    from werkzeug.datastructures import FileStorage

    imported = await client.post("/account/import", form={"csrf_token": token}, files={
        "file": FileStorage(io.BytesIO(body), filename="x.ieinterview")})
    assert imported.status_code == 302
    assert imported.headers["Location"] == f"/interviews/{interview_id}"
    assert (await client.get(f"/api/interviews/{interview_id}")).status_code == 200
    bad = await client.post("/account/import", form={"csrf_token": token}, files={
        "file": FileStorage(io.BytesIO(b"nonsense"), filename="x.ieinterview")})
    assert bad.status_code == 302 and bad.headers["Location"] == "/account"
    flashed = await (await client.get("/account")).get_data(as_text=True)
    assert "Import failed" in flashed

    wrong = await client.post("/account/delete", form={
        "csrf_token": token, "password": "wrong password here", "confirm": "yes"})
    assert wrong.status_code == 302 and wrong.headers["Location"] == "/account"
    assert (await client.get("/api/session")).status_code == 200
    done = await client.post("/account/delete", form={
        "csrf_token": token, "password": PASSWORD, "confirm": "yes"})
    assert done.status_code == 302
    assert (await client.get("/api/session")).status_code == 401
    login = await client.post("/api/session", json={"username": user["username"],
                                                     "password": PASSWORD})
    assert login.status_code == 401
    assert re.search(r"deleted", await (await client.get("/")).get_data(as_text=True))
