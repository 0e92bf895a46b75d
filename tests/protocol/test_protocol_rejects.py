from __future__ import annotations

import math
from typing import Any

import msgpack
import pytest

from protocol import (
    CloseCode,
    ErrorCode,
    FrameTooLarge,
    Limits,
    ProtocolError,
    decode_client_frame,
    decode_server_frame,
)

STATE = {"action": "start"}
TRANSCRIPT = {"seg": 0, "text": "hello", "final": True, "src": "speech"}
AUDIO = {"chunk": 0, "mime": "audio/webm", "data": b"\x00\x01"}
TS = 1_700_000_000_000


def pack(value: Any) -> bytes:
    packed: bytes = msgpack.packb(value, use_bin_type=True)
    return packed


def client_error(frame: bytes | str, limits: Limits | None = None) -> ProtocolError:
    with pytest.raises(ProtocolError) as info:
        decode_client_frame(frame, limits or Limits())
    return info.value


def server_error(frame: bytes) -> ProtocolError:
    with pytest.raises(ProtocolError) as info:
        decode_server_frame(frame)
    return info.value


def data(t: str, d: Any, seq: Any = 1) -> bytes:
    return pack({"t": t, "seq": seq, "d": d})


def transcript(**changes: Any) -> bytes:
    return data("transcript", {**TRANSCRIPT, **changes})


def face(frames: list[Any]) -> bytes:
    return data("face", {"frames": frames})


def frame_with(**changes: Any) -> bytes:
    return face([{"t": 0, "present": True, **changes}])


BAD_FRAMES = {
    "empty": b"",
    "reserved byte": b"\xc1",
    "truncated map": b"\x83\xa1t",
    "not a map: list": pack(["state", 1, STATE]),
    "not a map: int": pack(5),
    "not a map: nil": pack(None),
    "missing t": pack({"seq": 1, "d": STATE}),
    "t is nil": pack({"t": None, "seq": 1, "d": STATE}),
    "t is bytes": pack({"t": b"state", "seq": 1, "d": STATE}),
    "missing d": pack({"t": "state", "seq": 1}),
    "d is a list": pack({"t": "state", "seq": 1, "d": ["start"]}),
    "d is nil": pack({"t": "ping", "d": None}),
    "top-level bytes key": pack({"t": "ping", "d": {}, b"x": 1}),
    "payload bytes key": pack({"t": "state", "seq": 1, "d": {b"action": "start"}}),
    "int map key": b"\x83\xa1t\xa4ping\xa1d\x80\x01\x02",
    "ts is a string": pack({"t": "state", "seq": 1, "ts": "now", "d": STATE}),
    "ts is a float": pack({"t": "state", "seq": 1, "ts": 1.5, "d": STATE}),
    "ts is negative": pack({"t": "state", "seq": 1, "ts": -1, "d": STATE}),
    "invalid utf-8 in a string": b"\x83\xa1t\xa5state\xa3seq\x01\xa1d\x81\xa6action\xa2\xff\xfe",
    "invalid utf-8 in a key": b"\x82\xa1t\xa4ping\xa1d\x81\xa2\xc3\x28\x01",
    "trailing garbage": pack({"t": "ping", "d": {}}) + b"\x00",
    "trailing second frame": pack({"t": "ping", "d": {}}) * 2,
    "deeply nested": b"\x83\xa1t\xa4ping\xa1d\x80\xa1x" + b"\x91" * 5000 + b"\xc0",
    "deeply nested maps": b"\x83\xa1t\xa4ping\xa1d\x80\xa1x" + b"\x81\xa1k" * 3000 + b"\xc0",
    "array length beyond the frame": b"\xdd\xff\xff\xff\xff",
    "string length beyond the frame": b"\xdb\xff\xff\xff\xff",
    "seq missing on state": pack({"t": "state", "d": STATE}),
    "seq missing on note": pack({"t": "note", "d": {"text": "x", "to": "candidate"}}),
    "seq zero": data("transcript", TRANSCRIPT, seq=0),
    "seq negative": data("face", {"frames": [{"t": 0, "present": True}]}, seq=-1),
    "seq bool": data("audio", AUDIO, seq=True),
    "seq float": data("state", STATE, seq=1.0),
    "seq string": data("state", STATE, seq="1"),
    "seq beyond int64": data("state", STATE, seq=2**64 - 1),
}


@pytest.mark.parametrize("frame", BAD_FRAMES.values(), ids=BAD_FRAMES.keys())
def test_bad_frame(frame: bytes) -> None:
    error = client_error(frame)
    assert error.code is ErrorCode.BAD_FRAME
    assert not error.fatal


BAD_PAYLOADS = {
    "unknown action": data("state", {"action": "dance"}),
    "action missing": data("state", {}),
    "action is nil": data("state", {"action": None}),
    "seg as string": transcript(seg="0"),
    "seg true (bool for int)": transcript(seg=True),
    "seg 1.0 (float for int)": transcript(seg=1.0),
    "seg negative": transcript(seg=-1),
    "seg beyond int64": transcript(seg=2**63),
    "final 1 (int for bool)": transcript(final=1),
    "text as bytes": transcript(text=b"hello"),
    "text too long": transcript(text="a" * 4001),
    "text missing": data("transcript", {"seg": 0, "final": True, "src": "speech"}),
    "conf NaN": transcript(conf=math.nan),
    "conf infinity": transcript(conf=math.inf),
    "conf -infinity": transcript(conf=-math.inf),
    "conf above 1": transcript(conf=1.0000001),
    "conf bool": transcript(conf=True),
    "src unknown": transcript(src="telepathy"),
    "no face frames": face([]),
    "31 face frames": face([{"t": i, "present": True} for i in range(31)]),
    "frames not a list": data("face", {"frames": {"t": 0}}),
    "face frame not a map": face([[0, True]]),
    "face frame missing present": face([{"t": 0}]),
    "face t negative": frame_with(t=-5),
    "face yaw NaN": frame_with(yaw=math.nan),
    "face pitch above 180": frame_with(pitch=180.5),
    "face roll below -180": frame_with(roll=-181),
    "face eye_contact above 1": frame_with(eye_contact=2),
    "face smile negative": frame_with(smile=-0.1),
    "face emotion_score inf": frame_with(emotion_score=math.inf),
    "face emotion too long": frame_with(emotion="e" * 33),
    "face emotion not a string": frame_with(emotion=3),
    "face blink as int": frame_with(blink=0),
    "audio too large": data("audio", {**AUDIO, "data": bytes(128 * 1024 + 1)}),
    "audio data as str": data("audio", {**AUDIO, "data": "AAEC"}),
    "audio data as list": data("audio", {**AUDIO, "data": [0, 1]}),
    "audio chunk negative": data("audio", {**AUDIO, "chunk": -1}),
    "audio mime empty": data("audio", {**AUDIO, "mime": ""}),
    "audio mime too long": data("audio", {**AUDIO, "mime": "m" * 101}),
    "note too long": data("note", {"text": "n" * 2001, "to": "candidate"}),
    "note empty": data("note", {"text": "", "to": "candidate"}),
    "note bad target": data("note", {"text": "hi", "to": "everyone"}),
}


@pytest.mark.parametrize("frame", BAD_PAYLOADS.values(), ids=BAD_PAYLOADS.keys())
def test_bad_payload(frame: bytes) -> None:
    error = client_error(frame)
    assert error.code is ErrorCode.BAD_PAYLOAD
    assert error.ref == 1
    assert not error.fatal


BAD_HELLOS = {
    "version 2": {"v": 2, "role": "observer", "last_seq": 0},
    "version missing": {"role": "observer", "last_seq": 0},
    "version as string": {"v": "1", "role": "observer", "last_seq": 0},
    "version true": {"v": True, "role": "observer", "last_seq": 0},
    "unknown role": {"v": 1, "role": "admin", "last_seq": 0},
    "candidate without stream": {"v": 1, "role": "candidate", "last_seq": 0},
    "empty stream": {"v": 1, "role": "candidate", "stream": "", "last_seq": 0},
    "stream too long": {"v": 1, "role": "candidate", "stream": "s" * 129, "last_seq": 0},
    "last_seq negative": {"v": 1, "role": "observer", "last_seq": -1},
    "last_seq missing": {"v": 1, "role": "observer"},
}


@pytest.mark.parametrize("d", BAD_HELLOS.values(), ids=BAD_HELLOS.keys())
def test_invalid_hello_is_fatal(d: dict[str, Any]) -> None:
    error = client_error(pack({"t": "hello", "seq": 3, "d": d}))
    assert error.code is ErrorCode.BAD_PAYLOAD
    assert error.fatal
    assert error.close_code is CloseCode.POLICY
    assert error.ref is None  # hello is a control message: its seq is ignored


@pytest.mark.parametrize("t", ["dance", "", "welcome", "ack", "question.delta", "phase", "pong"])
def test_unknown_type_for_the_direction(t: str) -> None:
    error = client_error(pack({"t": t, "seq": 9, "d": {}}))
    assert error.code is ErrorCode.UNKNOWN_TYPE
    assert error.ref == 9


@pytest.mark.parametrize("t", ["hello", "ping", "dance"])
def test_server_side_unknown_type(t: str) -> None:
    assert server_error(pack({"t": t, "d": {}})).code is ErrorCode.UNKNOWN_TYPE


def test_oversize_frame_is_refused_before_unpacking() -> None:
    # Not even valid MessagePack: the length alone decides.
    error = client_error(b"\xc1" * (256 * 1024 + 1))
    assert isinstance(error, FrameTooLarge)
    assert error.code is ErrorCode.BAD_FRAME
    assert error.fatal
    assert error.close_code is CloseCode.TOO_LARGE
    with pytest.raises(FrameTooLarge):
        decode_server_frame(b"\x00" * (256 * 1024 + 1))


def test_oversize_frame_with_custom_limit() -> None:
    frame = data("state", STATE)
    assert isinstance(client_error(frame, Limits(max_frame_bytes=len(frame) - 1)), FrameTooLarge)


def test_configured_limits_apply() -> None:
    error = client_error(transcript(text="abcdef"), Limits(max_transcript_chars=5))
    assert error.code is ErrorCode.BAD_PAYLOAD


def test_text_frame_closes_with_1003() -> None:
    error = client_error('{"t": "ping", "d": {}}')
    assert error.code is ErrorCode.BAD_FRAME
    assert error.fatal
    assert error.close_code is CloseCode.TEXT_FRAME


def test_ref_is_the_frame_seq_when_valid() -> None:
    assert client_error(data("state", [], seq=12)).ref == 12
    assert client_error(data("state", {"action": 1}, seq=13)).ref == 13
    assert client_error(data("state", STATE, seq=0)).ref is None
    assert client_error(pack({"seq": 5, "d": {}})).ref == 5


def test_error_message_is_bounded() -> None:
    error = client_error(pack({"t": "x" * 100_000, "d": {}}))
    assert error.code is ErrorCode.UNKNOWN_TYPE
    assert len(error.message) < 100
    assert error.to_error().message == error.message


SERVER_BAD = {
    "logged event without seq": (
        pack({"t": "phase", "ts": TS, "d": {"phase": "lobby"}}),
        ErrorCode.BAD_FRAME,
    ),
    "logged event without ts": (
        pack({"t": "phase", "seq": 1, "d": {"phase": "lobby"}}),
        ErrorCode.BAD_FRAME,
    ),
    "relayed without src_seq": (
        pack({"t": "state", "seq": 2, "ts": TS, "d": STATE}),
        ErrorCode.BAD_PAYLOAD,
    ),
    "relayed src_seq zero": (
        pack({"t": "state", "seq": 2, "ts": TS, "d": {**STATE, "src_seq": 0}}),
        ErrorCode.BAD_PAYLOAD,
    ),
    "note without from": (
        pack({"t": "note", "seq": 2, "ts": TS, "d": {"text": "x", "to": "observers"}}),
        ErrorCode.BAD_PAYLOAD,
    ),
    "report metrics with NaN": (
        pack(
            {
                "t": "report",
                "seq": 2,
                "ts": TS,
                "d": {"score": 5, "summary": "", "per_question": [], "metrics": {"a": [math.nan]}},
            }
        ),
        ErrorCode.BAD_PAYLOAD,
    ),
    "report metrics nested too deep": (
        pack(
            {
                "t": "report",
                "seq": 2,
                "ts": TS,
                "d": {
                    "score": 5,
                    "summary": "",
                    "per_question": [],
                    "metrics": {"a": [[[[[[[[[[1]]]]]]]]]]},
                },
            }
        ),
        ErrorCode.BAD_PAYLOAD,
    ),
    "analysis rubric score 10.5": (
        pack(
            {
                "t": "analysis",
                "seq": 2,
                "ts": TS,
                "d": {
                    "qid": "q",
                    "score": 5,
                    "summary": "",
                    "strengths": [],
                    "improvements": [],
                    "rubric": {"depth": 10.5},
                },
            }
        ),
        ErrorCode.BAD_PAYLOAD,
    ),
    "welcome wrong version": (
        pack(
            {
                "t": "welcome",
                "d": {"v": 2, "interview": {}, "acked": 0, "head": 0, "server_time": 0},
            }
        ),
        ErrorCode.BAD_PAYLOAD,
    ),
    "presence observer not a map": (
        pack({"t": "presence", "d": {"observers": ["u1"]}}),
        ErrorCode.BAD_PAYLOAD,
    ),
    "error ref zero": (
        pack({"t": "error", "d": {"code": "internal", "message": "", "ref": 0, "fatal": True}}),
        ErrorCode.BAD_PAYLOAD,
    ),
}


@pytest.mark.parametrize(("frame", "code"), SERVER_BAD.values(), ids=SERVER_BAD.keys())
def test_server_frame_rejections(frame: bytes, code: ErrorCode) -> None:
    assert server_error(frame).code is code


def test_bad_welcome_is_fatal_for_the_client() -> None:
    interview = {
        "id": "i",
        "status": "live",
        "phase": "lobby",
        "kind": "mixed",
        "role_title": "x",
        "question_idx": 0,
        "questions_total": "5",
    }
    d = {"v": 1, "interview": interview, "acked": 0, "head": 0, "server_time": 0}
    error = server_error(pack({"t": "welcome", "d": d}))
    assert error.code is ErrorCode.BAD_PAYLOAD
    assert error.fatal
