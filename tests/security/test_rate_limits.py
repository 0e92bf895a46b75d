"""Per-user quotas of the HTTP API (429 ``rate_limited``) and the per-connection byte rate of
the websocket (error ``rate_limited``, close 4008). The message rate and failed logins have
their own tests (tests/hub/test_handshake.py, tests/server/test_accounts_api.py)."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from typing import Any

import pytest

from protocol import Audio, Error, Hello, decode_server_frame, encode
from server.context import EngineApp
from tests.conftest import account, new_interview


def limit(app: EngineApp, monkeypatch: pytest.MonkeyPatch, **changes: Any) -> None:
    changed = dataclasses.replace(app.settings, **changes)
    monkeypatch.setattr(app, "settings", changed)
    monkeypatch.setattr(app.hub, "settings", changed)


async def assert_rate_limited(response: Any) -> None:
    assert response.status_code == 429, await response.get_data(as_text=True)
    body = await response.get_json()
    assert body["error"]["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) >= 1


async def test_interviews_created_per_hour(app: EngineApp, monkeypatch: pytest.MonkeyPatch) -> None:
    limit(app, monkeypatch, interviews_per_hour=3)
    client, _ = await account(app)
    for _ in range(3):
        await new_interview(client)
    body = {"kind": "technical", "role_title": "QA", "difficulty": "mid", "questions": 2}
    await assert_rate_limited(await client.post("/api/interviews", json=body))
    # The refused attempt created nothing; another account has a quota of its own.
    listed = (await (await client.get("/api/interviews")).get_json())["interviews"]
    assert len(listed) == 3
    other, _ = await account(app)
    await new_interview(other)


async def test_the_interview_form_says_the_quota_is_used_up(
    app: EngineApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit(app, monkeypatch, interviews_per_hour=1)
    client, _ = await account(app)
    await new_interview(client)
    page = await (await client.get("/")).get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    form = {"kind": "technical", "role_title": "QA", "difficulty": "mid", "questions": "2",
            "csrf_token": token}
    response = await client.post("/interviews", form=form)
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    dashboard = await (await client.get("/")).get_data(as_text=True)
    assert "too many requests" in dashboard


async def test_tickets_issued_per_minute(app: EngineApp, monkeypatch: pytest.MonkeyPatch) -> None:
    limit(app, monkeypatch, tickets_per_minute=3)
    client, _ = await account(app)
    interview = await new_interview(client)
    path = f"/api/interviews/{interview['id']}/tickets"
    for role in ("candidate", "observer", "candidate"):
        assert (await client.post(path, json={"role": role})).status_code == 201
    await assert_rate_limited(await client.post(path, json={"role": "observer"}))


async def test_a_connection_over_its_byte_rate_is_closed_with_4008(
    app: EngineApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit(app, monkeypatch, ws_bytes_per_s=1024, ws_bytes_burst=256 * 1024)
    client, _ = await account(app)
    interview = await new_interview(client)
    issued = await (await client.post(
        f"/api/interviews/{interview['id']}/tickets", json={"role": "candidate"})).get_json()
    chunk = bytes(100 * 1024)
    errors: list[Error] = []
    acked = 0
    async with app.test_client(use_cookies=False).websocket(issued["url"]) as ws:
        await ws.send(encode(Hello(role="candidate", stream=str(uuid.uuid4()), last_seq=0)))
        await ws.receive()  # welcome
        for seq in range(1, 5):  # 400 KiB at once: past the 256 KiB burst
            await ws.send(encode(Audio(chunk=seq - 1, mime="audio/webm", data=chunk), seq=seq))
        try:
            while True:
                message = decode_server_frame(await ws.receive()).message
                if isinstance(message, Error):
                    errors.append(message)
                elif message.TYPE == "ack":
                    acked = message.upto  # type: ignore[attr-defined]
        except Exception as closed:
            code = int(closed.args[0])
    assert code == 4008
    assert [(str(e.code), e.fatal) for e in errors] == [("rate_limited", True)]
    # What fitted the burst is stored (the writer commits it after the close), the rest was
    # never taken: the client still holds it and resends it on a later connection.
    assert acked <= 2
    for _ in range(100):
        events = await (await client.get(f"/api/interviews/{interview['id']}/events")).get_json()
        stored = [e["d"]["src_seq"] for e in events["events"] if e["t"] == "audio"]
        if len(stored) >= 2:
            break
        await asyncio.sleep(0.1)
    assert stored == [1, 2]
