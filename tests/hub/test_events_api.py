"""``GET /api/interviews/<id>/events``: the whole log, page by page, in JSON or MessagePack,
to whoever may observe the interview."""

from __future__ import annotations

import asyncio
import base64
import random
from dataclasses import dataclass
from typing import Any

import httpx
import msgpack
import pytest

from protocol import Audio, Face, FaceFrame, NoteRequest, Phase, State, Transcript, decode_server_frame
from tests.hub.peer import Api, Peer, watched_interview

MSGPACK = {"Accept": "application/msgpack"}


@dataclass
class Logged:
    interview: str
    head: int
    observed: list[Any]  # what a live observer received: the reference
    sent: dict[int, Any]  # the candidate's messages by client seq


def candidate_frames(count: int, seed: int) -> list[Any]:
    rng = random.Random(seed)
    frames: list[Any] = []
    chunk = 0
    for i in range(count):
        roll = i % 3
        if roll == 0:
            frames.append(Face(frames=tuple(
                FaceFrame(t=i * 66 + k, present=rng.random() < 0.9, yaw=rng.uniform(-30, 30),
                          eye_contact=rng.random(), emotion="neutral")
                for k in range(rng.randint(1, 4))
            )))
        elif roll == 1:
            frames.append(Transcript(seg=i, text=f"word {i} ünïcode " * rng.randint(1, 5),
                                     final=rng.random() < 0.5, conf=rng.random(), src="speech"))
        else:
            frames.append(Audio(chunk=chunk, mime="audio/webm;codecs=opus",
                                data=rng.randbytes(rng.randint(1, 4000))))
            chunk += 1
    return frames


async def logged_interview(api: Api, instructor: Api) -> Logged:
    """An interview with server events (question, phase), candidate frames of every kind
    and notes, fully committed, and an observer's copy of its log."""
    interview, observer, candidate = await watched_interview(api, instructor)
    sent: dict[int, Any] = {}
    start = State(action="start")
    sent[await candidate.send(start)] = start
    await candidate.until(lambda p: any(isinstance(e.message, Phase) for e in p.events))
    for frame in candidate_frames(45, seed=1):
        sent[await candidate.send(frame)] = frame
    await observer.send(NoteRequest(text="watch the pace", to="observers"))
    await observer.send(NoteRequest(text="good start", to="candidate"))
    await candidate.until(lambda p: p.acked == len(sent))
    await observer.until(lambda p: p.acked == 2)
    head = len(await api.events(interview))
    await observer.until(lambda p: p.last_seq == head)
    for peer in (candidate, observer):
        await peer.close()
    assert observer.gaps == [] and candidate.errors == [] and observer.errors == []
    # The recording's file follows the acknowledgement (written by the recording writer).
    audio_bytes = sum(len(f.data) for f in sent.values() if isinstance(f, Audio))
    deadline = asyncio.get_running_loop().time() + 15
    while len((await api.http.get(f"/api/interviews/{interview}/recording")).content) < audio_bytes:
        assert asyncio.get_running_loop().time() < deadline, "the recording was not written"
        await asyncio.sleep(0.05)
    return Logged(interview, head, list(observer.events), sent)


async def get_events(client: Api, interview: str, *, msgpack_: bool = False,
                     **params: Any) -> httpx.Response:
    return await client.http.get(f"/api/interviews/{interview}/events", params=params,
                                 headers=MSGPACK if msgpack_ else {})


def page_of(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    if response.headers["content-type"].startswith("application/msgpack"):
        body = msgpack.unpackb(response.content, raw=False)
    else:
        body = response.json()
    assert isinstance(body["events"], list)
    return list(body["events"])


def typed(document: dict[str, Any]) -> Any:
    """An event document as a client decodes it (the wire form of a logged event)."""
    return decode_server_frame(msgpack.packb(document, use_bin_type=True))


@pytest.fixture
async def logged(api: Api, instructor: Api) -> Logged:
    return await logged_interview(api, instructor)


async def test_every_event_in_order_page_by_page(api: Api, logged: Logged) -> None:
    interview, head = logged.interview, logged.head
    everything = page_of(await get_events(api, interview, msgpack_=True))
    assert [e["seq"] for e in everything] == list(range(1, head + 1))
    kinds = {e["t"] for e in everything}
    assert {"state", "question", "phase", "face", "transcript", "audio", "note"} <= kinds
    # The same events, byte for byte in meaning, as the live observer received them.
    assert len(everything) == len(logged.observed)
    for document, envelope in zip(everything, logged.observed):
        assert set(document) >= {"t", "seq", "ts", "d"}
        decoded = typed(document)
        assert (decoded.seq, decoded.ts, decoded.message) == (envelope.seq, envelope.ts, envelope.message)

    for limit in (1, 7, head - 1, head, head + 1):
        pages: list[list[dict[str, Any]]] = []
        after = 0
        while True:
            page = page_of(await get_events(api, interview, msgpack_=True, after=after, limit=limit))
            assert len(page) <= limit
            if not page:
                break
            assert all(e["seq"] > after for e in page)
            pages.append(page)
            after = page[-1]["seq"]
        assert [e for page in pages for e in page] == everything, limit
        assert all(len(page) == limit for page in pages[:-1])

    for after in (0, 1, head // 2, head - 1):
        page = page_of(await get_events(api, interview, after=after, limit=5))
        assert [e["seq"] for e in page] == list(range(after + 1, min(after + 5, head) + 1))
    for after in (head, head + 1, 10**9):
        assert page_of(await get_events(api, interview, after=after)) == []
        assert page_of(await get_events(api, interview, msgpack_=True, after=after)) == []


async def test_candidate_frames_carry_src_seq(api: Api, logged: Logged) -> None:
    everything = page_of(await get_events(api, logged.interview, msgpack_=True))
    relayed = [e for e in everything if e["t"] in ("state", "transcript", "face", "audio")]
    assert [e["d"]["src_seq"] for e in relayed] == sorted(logged.sent)
    for document in relayed:
        message = typed(document).message
        assert message.src_seq == document["d"]["src_seq"]
        assert message.message == logged.sent[message.src_seq]
    others = [e for e in everything if e["t"] not in ("state", "transcript", "face", "audio")]
    assert others and all("src_seq" not in e["d"] for e in others)


async def test_json_by_default_msgpack_on_request(api: Api, logged: Logged) -> None:
    as_json = await get_events(api, logged.interview)
    assert as_json.status_code == 200
    assert as_json.headers["content-type"].split(";")[0] == "application/json"
    as_msgpack = await get_events(api, logged.interview, msgpack_=True)
    assert as_msgpack.status_code == 200
    assert as_msgpack.headers["content-type"].split(";")[0] == "application/msgpack"
    json_events, binary_events = page_of(as_json), page_of(as_msgpack)
    assert len(json_events) == len(binary_events) == logged.head

    audio_seen = 0
    for text, binary in zip(json_events, binary_events):
        if binary["t"] == "audio":
            sent = logged.sent[binary["d"]["src_seq"]]
            # MessagePack keeps the bytes; JSON carries them as base64 text.
            assert isinstance(binary["d"]["data"], bytes) and binary["d"]["data"] == sent.data
            assert isinstance(text["d"]["data"], str)
            assert base64.b64decode(text["d"]["data"], validate=True) == sent.data
            text = {**text, "d": {**text["d"], "data": binary["d"]["data"]}}
            audio_seen += 1
        assert text == binary
    assert audio_seen == sum(isinstance(m, Audio) for m in logged.sent.values()) > 0


@pytest.mark.parametrize(
    "params",
    [
        {"after": "-1"}, {"after": "abc"}, {"after": "1.5"}, {"after": "1e3"},
        {"after": str(2**63)}, {"limit": "0"}, {"limit": "-5"}, {"limit": "x"},
        {"limit": "2.0"}, {"limit": "100000"}, {"after": "1_000"}, {"after": " 5"},
        {"after": "\u0663"}, {"limit": "+5"}, {"after": "0x10"},
    ],
)
async def test_bad_after_or_limit_is_a_400(api: Api, params: dict[str, str]) -> None:
    await api.sign_up()
    interview = await api.interview()
    for headers in ({}, MSGPACK):
        response = await api.http.get(f"/api/interviews/{interview}/events", params=params,
                                      headers=headers)
        assert response.status_code == 400, (params, response.status_code, response.text)
        assert response.json()["error"]["code"] == "bad_request"


async def test_who_may_read_the_log(api: Api, instructor: Api, server: str) -> None:
    await api.sign_up()
    interview = await api.interview()
    candidate = Peer(await api.ws_url(interview, "candidate"), "candidate")
    await candidate.connect()
    await candidate.send(Transcript(seg=0, text="hello", final=True, src="typed"))
    await candidate.until(lambda p: p.acked == 1)
    await candidate.close()

    granted, stranger, anonymous = Api(server), Api(server), Api(server)
    try:
        await granted.sign_up("instructor")
        await api.grant(interview, granted.user["username"])
        await stranger.sign_up("candidate")
        owner_view = page_of(await get_events(api, interview))
        assert [e["t"] for e in owner_view] == ["transcript"]
        assert page_of(await get_events(granted, interview)) == owner_view
        assert page_of(await get_events(granted, interview, msgpack_=True)) == owner_view

        missing = "00000000-0000-4000-8000-000000000000"
        for client, target in ((stranger, interview), (instructor, interview),
                               (instructor, missing), (api, missing), (api, "not-a-uuid")):
            for headers in ({}, MSGPACK):
                response = await client.http.get(f"/api/interviews/{target}/events", headers=headers)
                assert response.status_code == 404, (target, response.status_code)
                assert response.json()["error"]["code"] == "not_found"
        # Nothing tells an existing interview without access from one that does not exist.
        hidden = await get_events(instructor, interview)
        absent = await get_events(instructor, missing)
        assert hidden.json() == absent.json()

        refused = await get_events(anonymous, interview)
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "not_authenticated"
    finally:
        for client in (granted, stranger, anonymous):
            await client.close()
