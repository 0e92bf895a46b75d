"""Authentication, the hello/welcome handshake, roles and close codes."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from protocol import Hello, NoteRequest, Ping, Pong, Transcript, Welcome, decode_server_frame, encode
from tests.hub.conftest import server_env
from tests.hub.peer import Api, Peer
from tests.live_server import live_server


async def closed_with(url: str, *frames: bytes | str, origin: str | None = None,
                      headers: dict[str, str] | None = None, wait: float = 15) -> int:
    async with connect(url, origin=origin, additional_headers=headers, compression=None) as ws:  # type: ignore[arg-type]
        for frame in frames:
            await ws.send(frame)
        try:
            while True:
                await asyncio.wait_for(ws.recv(), wait)
        except ConnectionClosed as closed:
            assert closed.rcvd is not None
            return closed.rcvd.code
    raise AssertionError("not closed")


async def test_candidate_handshake_with_a_ticket(api: Api) -> None:
    await api.sign_up()
    interview = await api.interview(questions=4)
    peer = Peer(await api.ws_url(interview, "candidate"), "candidate")
    welcome = await peer.connect()
    assert welcome.v == 1 and welcome.acked == 0 and welcome.head == 0
    assert welcome.interview.id == interview
    assert str(welcome.interview.phase) == "lobby" and welcome.interview.questions_total == 4
    assert abs(welcome.server_time / 1000 - asyncio.get_running_loop().time()) >= 0
    await peer.ws.send(encode(Ping()))  # type: ignore[union-attr]
    await peer.until(lambda p: any(isinstance(m, Pong) for m in p.controls))
    await peer.close()


async def test_a_ticket_is_single_use(api: Api) -> None:
    await api.sign_up()
    interview = await api.interview()
    url = await api.ws_url(interview, "candidate")
    peer = Peer(url, "candidate")
    await peer.connect()
    await peer.close()
    assert await closed_with(url) == 4001


async def test_unauthenticated_and_bad_tickets_get_4001(api: Api) -> None:
    await api.sign_up()
    interview = await api.interview()
    base = api.base_url.replace("http", "ws", 1)
    assert await closed_with(f"{base}/ws/interviews/{interview}") == 4001
    assert await closed_with(f"{base}/ws/interviews/{interview}?ticket=forged") == 4001


async def test_a_ticket_for_another_interview_is_refused(api: Api) -> None:
    await api.sign_up()
    first, second = await api.interview(), await api.interview()
    url = await api.ws_url(first, "candidate")
    assert await closed_with(url.replace(first, second)) == 4001


async def test_unknown_interview_gets_4004(api: Api) -> None:
    await api.sign_up()
    base = api.base_url.replace("http", "ws", 1)
    cookie = "; ".join(f"{k}={v}" for k, v in api.http.cookies.items())
    url = f"{base}/ws/interviews/{uuid.uuid4()}"
    assert await closed_with(url, origin=api.base_url, headers={"Cookie": cookie}) == 4004
    assert await closed_with(f"{base}/ws/interviews/not-a-uuid", origin=api.base_url,
                             headers={"Cookie": cookie}) == 4004


async def test_session_cookie_needs_the_sites_own_origin(api: Api) -> None:
    await api.sign_up()
    interview = await api.interview()
    base = api.base_url.replace("http", "ws", 1)
    cookie = "; ".join(f"{k}={v}" for k, v in api.http.cookies.items())
    url = f"{base}/ws/interviews/{interview}"
    assert await closed_with(url, origin="https://evil.example", headers={"Cookie": cookie}) == 4003
    assert await closed_with(url, headers={"Cookie": cookie}) == 4003  # no Origin at all
    async with connect(url, origin=api.base_url, additional_headers={"Cookie": cookie}) as ws:  # type: ignore[arg-type]
        await ws.send(encode(Hello(role="candidate", stream=str(uuid.uuid4()), last_seq=0)))
        assert isinstance(decode_server_frame(await ws.recv()).message, Welcome)


async def test_no_hello_in_time_gets_4002(api: Api) -> None:
    await api.sign_up()
    interview = await api.interview()
    assert await closed_with(await api.ws_url(interview, "candidate"), wait=20) == 4002


async def test_text_frames_get_1003_and_oversize_1009(api: Api) -> None:
    await api.sign_up()
    interview = await api.interview()
    assert await closed_with(await api.ws_url(interview, "candidate"), "hello") == 1003
    hello = encode(Hello(role="candidate", stream=str(uuid.uuid4()), last_seq=0))
    huge = b"\x00" * (256 * 1024 + 1)
    assert await closed_with(await api.ws_url(interview, "candidate"), hello, huge) == 1009


async def test_first_message_must_be_hello(api: Api) -> None:
    await api.sign_up()
    interview = await api.interview()
    frame = encode(Transcript(seg=0, text="hi", final=True, src="typed"), seq=1)
    assert await closed_with(await api.ws_url(interview, "candidate"), frame) == 1008


async def test_roles(api: Api, instructor: Api) -> None:
    await api.sign_up()
    interview = await api.interview()
    # Not granted yet: the interview does not exist for the instructor.
    response = await instructor.http.post(f"/api/interviews/{interview}/tickets", json={"role": "observer"})
    assert response.status_code == 404
    await api.grant(interview, instructor.user["username"])
    # A ticket for one role cannot be used for the other.
    url = await instructor.ws_url(interview, "observer")
    hello = encode(Hello(role="candidate", stream=str(uuid.uuid4()), last_seq=0))
    assert await closed_with(url, hello) == 4003
    # The owner may observe their own interview; a candidate may not send notes.
    owner_observer = Peer(await api.ws_url(interview, "observer"), "observer")
    await owner_observer.connect()
    await owner_observer.send(NoteRequest(text="note to self", to="observers"))
    await owner_observer.until(lambda p: p.errors)
    assert str(owner_observer.errors[0].code) == "forbidden"
    observer = Peer(await instructor.ws_url(interview, "observer"), "observer")
    await observer.connect()
    await observer.send(Transcript(seg=0, text="not mine to send", final=True, src="typed"))
    await observer.until(lambda p: p.errors)
    assert str(observer.errors[0].code) == "forbidden"
    await observer.send(NoteRequest(text="Good posture", to="observers"))
    await observer.until(lambda p: any(str(e.message.TYPE) == "note" for e in p.events))
    for peer in (owner_observer, observer):
        await peer.close()


async def test_a_second_candidate_connection_supersedes_the_first(api: Api) -> None:
    await api.sign_up()
    interview = await api.interview()
    first = Peer(await api.ws_url(interview, "candidate"), "candidate")
    await first.connect()
    second = Peer(await api.ws_url(interview, "candidate"), "candidate", stream=first.stream)
    await second.connect()
    assert await first.close_code() == 4009
    await second.close()


@pytest.mark.parametrize("role", ["candidate"])
async def test_seq_gap_and_duplicates(api: Api, role: str) -> None:
    await api.sign_up()
    interview = await api.interview()
    peer = Peer(await api.ws_url(interview, role), role)
    await peer.connect()
    message = Transcript(seg=0, text="one", final=False, src="typed")
    await peer.send(message)
    await peer.until(lambda p: p.acked == 1)
    assert peer.ws is not None
    await peer.ws.send(encode(message, seq=1))  # duplicate: acknowledged, not stored twice
    await peer.ws.send(encode(message, seq=5))  # gap
    await peer.until(lambda p: p.errors)
    gap = peer.errors[0]
    assert str(gap.code) == "seq_gap" and gap.ref == 5 and gap.expected == 2 and not gap.fatal
    await peer.close()
    events = await api.events(interview)
    assert [e["d"]["src_seq"] for e in events if e["t"] == "transcript"] == [1]


async def test_a_flood_is_closed_with_4008(database_url: str, tmp_path: Path) -> None:
    env = {**server_env(database_url, tmp_path), "WS_MESSAGES_PER_S": "20", "WS_BURST": "200"}
    with live_server(env, log=tmp_path / "server.log") as (url, _):
        api = Api(url)
        await api.sign_up()
        interview = await api.interview()
        # The server closes at once; the client need not wait long for the TCP close.
        peer = Peer(await api.ws_url(interview, "candidate"), "candidate", options={"close_timeout": 1})
        await peer.connect()
        reading = asyncio.create_task(peer.close_code(timeout=30))
        assert peer.ws is not None
        try:
            for _ in range(400):
                await peer.ws.send(encode(Ping()))
        except ConnectionClosed:
            pass
        assert await reading == 4008
        assert any(str(e.code) == "rate_limited" and e.fatal for e in peer.errors)
        await api.close()


async def test_a_frame_that_cannot_be_stored_closes_with_1011(api: Api, database_url: str) -> None:
    """Never acknowledged: the client keeps the frame and learns the interview is gone."""
    import asyncpg

    from db.embedded import libpq_dsn

    await api.sign_up()
    interview = await api.interview()
    peer = Peer(await api.ws_url(interview, "candidate"), "candidate")
    await peer.connect()
    await peer.send(Transcript(seg=0, text="stored", final=True, src="typed"))
    await peer.until(lambda p: p.acked == 1)
    connection = await asyncpg.connect(libpq_dsn(database_url))
    try:
        await connection.execute("DELETE FROM interviews WHERE id = $1", uuid.UUID(interview))
    finally:
        await connection.close()
    await peer.send(Transcript(seg=1, text="cannot be stored", final=True, src="typed"))
    assert await peer.close_code() == 1011
    assert peer.acked == 1 and 2 in peer.outbox


async def test_permessage_deflate_is_declined_when_a_client_offers_it(api: Api) -> None:
    """Browsers always offer compression; the server answers without it (off by default)."""
    await api.sign_up()
    interview = await api.interview(questions=2)
    url = await api.ws_url(interview, "candidate")
    async with connect(url, compression="deflate") as ws:
        assert "permessage-deflate" in (ws.request.headers.get("Sec-WebSocket-Extensions") or "")
        assert ws.response.headers.get("Sec-WebSocket-Extensions") is None
        await ws.send(encode(Hello(role="candidate", last_seq=0, stream=str(uuid.uuid4()))))
        welcome = decode_server_frame(await asyncio.wait_for(ws.recv(), 15))
        assert isinstance(welcome.message, Welcome)
