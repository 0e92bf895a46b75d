"""Property-based tests of the live hub's handlers: whatever a candidate sends (malformed
MessagePack, truncated frames, deep nesting, huge strings and arrays, wrong types, negative
and huge integers, NaN and infinities, invalid UTF-8, unknown types, duplicate and
out-of-order seqs) the connection stays up, every bad frame gets the error PROTOCOL.md
names (with ``ref`` when its seq is known), and the event log holds exactly the valid
frames, once each. A model of the stream (the next seq, the next audio chunk) predicts each
answer independently of the server.

Example counts follow the Hypothesis profile (``HYPOTHESIS_PROFILE=long`` for a long run).
"""

from __future__ import annotations

import asyncio
import math
import uuid
from dataclasses import dataclass, field
from typing import Any

import msgpack
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from protocol import (
    Audio, Error, Face, FaceFrame, Hello, NoteRequest, Transcript, decode_server_frame, encode,
)
from server.context import EngineApp
from server.hub.events import unpack
from tests.conftest import account, new_interview
from tests.hub.peer import Api, Peer
from tests.security.world import OWN_ORIGIN

HANDLER = settings(
    max_examples=max(settings.default.max_examples // 4, 10),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
MIME = "audio/webm"


def pack(value: Any) -> bytes:
    packed: bytes = msgpack.packb(value, use_bin_type=True)
    return packed


@dataclass
class Expect:
    """What the server must answer to one frame."""

    frame: bytes
    code: str | None = None  # the error code, None for no error
    ref: int | None = None
    consumes: bool = False  # the frame uses up the next seq (stored or refused)
    stored: dict[str, Any] | None = None  # {t, d} as the log must hold it
    expected_seq: int | None = None  # seq_gap's "expected"


@dataclass
class Model:
    next_seq: int = 1
    next_chunk: int = 0
    stored: dict[int, dict[str, Any]] = field(default_factory=dict)

    def apply(self, expect: Expect) -> None:
        if expect.consumes:
            if expect.stored is not None:
                self.stored[self.next_seq] = expect.stored
                if expect.stored["t"] == "audio":
                    self.next_chunk += 1
            self.next_seq += 1


valid_transcripts = st.builds(
    Transcript,
    seg=st.integers(0, 2**31), text=st.text(max_size=200), final=st.booleans(),
    conf=st.none() | st.floats(0, 1), src=st.sampled_from(["speech", "typed"]),
)
valid_faces = st.builds(
    Face,
    frames=st.lists(
        st.builds(FaceFrame, t=st.integers(0, 2**40), present=st.booleans(),
                  yaw=st.none() | st.floats(-180, 180), eye_contact=st.none() | st.floats(0, 1)),
        min_size=1, max_size=30,
    ).map(tuple),
)
# Values that break one field: wrong types, out of range, not finite, too long.
NOT_FINITE = [math.nan, math.inf, -math.inf]
BAD_FIELDS: dict[str, list[Any]] = {
    "seg": [-1, 2**63, 2**64 - 1, "0", 1.5, True, None, *NOT_FINITE],
    "text": ["a" * 4001, "é" * 10_000, b"bytes", 5, None, ["a"]],
    "final": [1, 0, "true", None, 1.0],
    "src": ["telepathy", 1, None, ""],
    "conf": [*NOT_FINITE, 1.5, -0.1, True, "0.5"],
}
BAD_FACE_FRAMES: list[Any] = [
    [], [{"t": i, "present": True} for i in range(31)], [{"t": -1, "present": True}],
    [{"t": 0, "present": 1}], [{"t": 0, "present": True, "yaw": math.nan}],
    [{"t": 0, "present": True, "pitch": math.inf}], [{"t": 0, "present": True, "roll": -181}],
    [{"t": 0, "present": True, "eye_contact": 2}], [{"t": 2**64 - 1, "present": True}],
    [[0, True]], "frames", [{"t": 0, "present": True, "emotion": "e" * 33}],
    [{"t": 0, "present": True}] * 1000,
]


@st.composite
def next_frame(draw: st.DrawFn, model: Model) -> Expect:
    """One frame to send now, with the answer the model predicts."""
    seq = model.next_seq
    kind = draw(st.sampled_from([
        "valid", "valid", "valid_junk_key", "audio", "audio_out_of_order", "duplicate", "gap",
        "bad_field", "missing_field", "bad_face", "unknown_type", "unknown_type_no_seq",
        "bad_seq", "not_msgpack", "truncated", "not_a_map", "t_wrong_type", "d_wrong_type",
        "invalid_utf8", "deep_nesting", "note", "hello_again",
    ]))
    if kind in ("valid", "valid_junk_key"):
        message = draw(valid_transcripts | valid_faces)
        stored = {"t": message.TYPE, "d": message.to_payload()}
        frame = encode(message, seq=seq)
        if kind == "valid_junk_key":  # unknown top-level keys are ignored, whatever they hold
            envelope = msgpack.unpackb(frame)
            envelope[draw(st.sampled_from(["x", "extra", "tt"]))] = draw(
                st.sampled_from(["j" * 50_000, list(range(5000)), {"k": [math.nan]}, math.inf,
                                 NESTED]))
            frame = pack(envelope)
        return Expect(frame, consumes=True, stored=stored)
    if kind == "audio":
        message = Audio(chunk=model.next_chunk, mime=MIME, data=draw(st.binary(max_size=64)))
        return Expect(encode(message, seq=seq), consumes=True,
                      stored={"t": "audio", "d": message.to_payload()})
    if kind == "audio_out_of_order":
        chunk = draw(st.integers(0, 50).filter(lambda c: c != model.next_chunk))
        frame = encode(Audio(chunk=chunk, mime=MIME, data=b"x"), seq=seq)
        return Expect(frame, "bad_payload", seq, consumes=True)
    if kind == "duplicate" and seq > 1:
        again = draw(st.integers(1, seq - 1))
        return Expect(encode(Transcript(seg=0, text="again", final=False, src="typed"), seq=again))
    if kind in ("gap", "duplicate"):
        ahead = seq + draw(st.integers(1, 2**40))
        frame = encode(Transcript(seg=0, text="ahead", final=False, src="typed"), seq=ahead)
        return Expect(frame, "seq_gap", ahead, expected_seq=seq)
    if kind in ("bad_field", "missing_field"):
        d = Transcript(seg=1, text="x", final=True, src="speech", conf=0.5).to_payload()
        name = draw(st.sampled_from(sorted(BAD_FIELDS)))
        if kind == "missing_field" and name != "conf":
            del d[name]
        else:
            d[name] = draw(st.sampled_from(BAD_FIELDS[name]))
        ref_seq = draw(st.sampled_from([seq, seq + 5]))
        return Expect(pack({"t": "transcript", "seq": ref_seq, "d": d}), "bad_payload", ref_seq,
                      consumes=ref_seq == seq)
    if kind == "bad_face":
        frames = draw(st.sampled_from(BAD_FACE_FRAMES))
        return Expect(pack({"t": "face", "seq": seq, "d": {"frames": frames}}), "bad_payload",
                      seq, consumes=True)
    if kind == "unknown_type":
        t = draw(st.text(min_size=1, max_size=20).filter(lambda t: t not in KNOWN_TYPES and SYNC not in t))
        return Expect(pack({"t": t, "seq": seq, "d": {}}), "unknown_type", seq, consumes=True)
    if kind == "unknown_type_no_seq":
        return Expect(pack({"t": "teleport", "d": {"to": "mars"}}), "unknown_type")
    if kind == "bad_seq":
        bad = draw(st.sampled_from([0, -1, -(2**63), 2**64 - 1, "1", 1.0, True, None, math.nan]))
        frame = pack({"t": "transcript", "seq": bad, "d": {"seg": 0, "text": "x", "final": True,
                                                         "src": "typed"}})
        return Expect(frame, "bad_frame")
    if kind == "not_msgpack":
        # (The empty frame is tested on a real server: Quart's test client cannot send one.)
        return Expect(draw(st.sampled_from([b"\xc0", b"\xc1", b"\xdd\xff\xff\xff\xff", b"\x91"])),
                      "bad_frame")
    if kind == "truncated":
        whole = encode(draw(valid_transcripts | valid_faces), seq=seq)
        return Expect(whole[: draw(st.integers(1, len(whole) - 1))], "bad_frame")
    if kind == "not_a_map":
        return Expect(pack(draw(st.sampled_from([[1, 2], 5, None, "transcript", b"x", 1.5]))),
                      "bad_frame")
    if kind == "t_wrong_type":
        frame = pack({"t": draw(st.sampled_from([5, None, b"face", ["face"]])), "seq": seq, "d": {}})
        return Expect(frame, "bad_frame", seq, consumes=True)
    if kind == "d_wrong_type":
        frame = pack({"t": "transcript", "seq": seq, "d": draw(st.sampled_from([[], "x", None, 3]))})
        return Expect(frame, "bad_frame", seq, consumes=True)
    if kind == "invalid_utf8":
        marker = "Z" * 8
        frame = pack({"t": "transcript", "seq": seq,
                      "d": {"seg": 0, "text": marker, "final": True, "src": "typed"}})
        broken = frame.replace(marker.encode(), draw(st.sampled_from(
            [b"\xff" * 8, b"\xc3\x28" * 4, b"\xed\xa0\x80AAAAA", b"\xf8\x88\x80\x80\x80AAA"])))
        return Expect(broken, "bad_frame")
    if kind == "deep_nesting":
        depth = draw(st.integers(1024, 5000))  # past the unpacker's stack
        return Expect(b"\x84\xa1t\xa4ping\xa1d\x80\xa3seq\x01\xa1x" + b"\x91" * depth + b"\xc0",
                      "bad_frame")
    if kind == "note":  # candidates do not send notes
        return Expect(encode(NoteRequest(text="hi", to="observers"), seq=seq), "forbidden", seq,
                      consumes=True)
    return Expect(encode(Hello(role="candidate", stream="s", last_seq=0)), "conflict")


KNOWN_TYPES = {"hello", "ping", "state", "transcript", "face", "audio", "note"}
SYNC = "sync-marker"


def _nested(depth: int) -> Any:
    value: Any = None
    for _ in range(depth):
        value = [value]
    return value


NESTED = _nested(400)  # deep, yet within what the unpacker takes
_accounts: dict[int, tuple[Any, dict[str, Any]]] = {}


async def candidate_with_interview(app: EngineApp) -> tuple[Any, dict[str, Any]]:
    """One account and interview for all examples (each example streams on its own stream)."""
    if id(app) not in _accounts:
        client, _ = await account(app)
        _accounts[id(app)] = client, await new_interview(client)
    return _accounts[id(app)]


async def answers_until_sync(ws: Any) -> tuple[list[Error], int]:
    """Errors received (in order) up to the sync marker's, and the highest ack seen."""
    errors: list[Error] = []
    acked = 0
    while True:
        message = decode_server_frame(await asyncio.wait_for(ws.receive(), 10)).message
        if isinstance(message, Error):
            if SYNC in message.message:
                return errors, acked
            errors.append(message)
        elif message.TYPE == "ack":
            acked = max(acked, message.upto)  # type: ignore[attr-defined]


async def until_acked(ws: Any, upto: int, acked: int) -> None:
    while acked < upto:
        message = decode_server_frame(await asyncio.wait_for(ws.receive(), 10)).message
        assert not isinstance(message, Error), message
        if message.TYPE == "ack":
            acked = max(acked, message.upto)  # type: ignore[attr-defined]


async def stored_frames(app: EngineApp, interview_id: str, stream: str) -> dict[int, dict[str, Any]]:
    async with app.db.transaction() as session:
        rows = (await session.execute(
            text("SELECT client_seq, kind, payload FROM events WHERE interview_id = :i AND stream = :s"
                 " ORDER BY seq"),
            {"i": uuid.UUID(interview_id), "s": stream},
        )).all()
    seqs = [row.client_seq for row in rows]
    assert len(seqs) == len(set(seqs)), f"stored twice: {seqs}"
    return {row.client_seq: {"t": row.kind, "d": unpack(row.payload)} for row in rows}


@HANDLER
@given(data=st.data())
async def test_every_bad_frame_gets_its_error_and_only_valid_frames_are_stored(
    app: EngineApp, data: st.DataObject
) -> None:
    owner, interview = await candidate_with_interview(app)
    assert owner.cookie_jar is not None
    cookie = "; ".join(f"{c.name}={c.value}" for c in owner.cookie_jar)
    stream = str(uuid.uuid4())
    model = Model()
    path = f"/ws/interviews/{interview['id']}"
    headers = {"Cookie": cookie, "Origin": OWN_ORIGIN}
    async with app.test_client(use_cookies=False).websocket(path, headers=headers) as ws:
        await ws.send(encode(Hello(role="candidate", stream=stream, last_seq=0)))
        decode_server_frame(await ws.receive())  # welcome
        expectations = []
        for _ in range(data.draw(st.integers(1, 12), label="frames")):
            expect = data.draw(next_frame(model))
            expectations.append(expect)
            await ws.send(expect.frame)
            model.apply(expect)
        await ws.send(pack({"t": SYNC, "d": {}}))
        errors, acked = await answers_until_sync(ws)
        wanted = [(e.code, e.ref) for e in expectations if e.code is not None]
        assert [(str(e.code), e.ref) for e in errors] == wanted
        assert not any(e.fatal for e in errors), "a bad frame must not end the connection"
        gaps = [e.expected_seq for e in expectations if e.code == "seq_gap"]
        assert [e.expected for e in errors if str(e.code) == "seq_gap"] == gaps
        # Every consumed seq, stored or refused, is acknowledged: the client can forget it.
        await until_acked(ws, model.next_seq - 1, acked)
    assert await stored_frames(app, interview["id"], stream) == model.stored


ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=50),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=6),
    max_leaves=15,
)
FIELDS = ["username", "password", "role", "display_name", "kind", "role_title", "difficulty",
          "questions"]
BODIES = ANY_JSON | st.dictionaries(st.sampled_from(FIELDS), ANY_JSON, max_size=6)


@HANDLER
@given(body=BODIES, target=st.sampled_from(
    ["/api/session", "/api/interviews", "observers", "tickets", "/api/users"]))
async def test_any_api_body_gets_a_clear_answer(app: EngineApp, body: Any, target: str) -> None:
    client, interview = await candidate_with_interview(app)
    path = target if target.startswith("/") else f"/api/interviews/{interview['id']}/{target}"
    try:
        raw = msgpack.packb(body, use_bin_type=True)
    except (OverflowError, ValueError):
        raw = b"\xc1"
    for content_type, payload in (("application/msgpack", raw), ("application/json", _json(body))):
        response = await client.post(path, data=payload, headers={"Content-Type": content_type})
        assert response.status_code < 500, await response.get_data(as_text=True)
        if response.status_code >= 400:
            error = (await response.get_json())["error"]
            assert error["code"] and error["message"]


def _json(value: Any) -> bytes:
    import json

    return json.dumps(value).encode()  # NaN and huge numbers included, as a client may send


async def test_an_empty_binary_frame_gets_bad_frame_on_a_real_server(api: Api) -> None:
    await api.sign_up()
    interview = await api.interview()
    peer = Peer(await api.ws_url(interview, "candidate"), "candidate")
    await peer.connect()
    assert peer.ws is not None
    await peer.ws.send(b"")
    await peer.until(lambda p: p.errors)
    assert [(str(e.code), e.fatal) for e in peer.errors] == [("bad_frame", False)]
    await peer.send(Transcript(seg=0, text="still here", final=True, src="typed"))
    await peer.until(lambda p: p.acked == 1)
    await peer.close()
