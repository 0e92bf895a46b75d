from __future__ import annotations

import msgpack
import pytest

from protocol import (
    CLIENT_MESSAGE_TYPES,
    SERVER_MESSAGE_TYPES,
    Audio,
    Face,
    FaceFrame,
    Hello,
    Limits,
    Message,
    NoteRequest,
    NoteTarget,
    Role,
    Transcript,
    TranscriptSource,
    decode_client_frame,
    decode_server_frame,
    encode,
)
from protocol.tools.make_vectors import TS, client_valid, server_valid

CLIENT = client_valid()
SERVER = server_valid()


def test_samples_cover_every_type() -> None:
    assert {message.TYPE for _, message, _ in CLIENT} == CLIENT_MESSAGE_TYPES
    assert {message.TYPE for _, message, _ in SERVER} == SERVER_MESSAGE_TYPES


@pytest.mark.parametrize(("name", "message", "seq"), CLIENT, ids=[c[0] for c in CLIENT])
def test_client_round_trip(name: str, message: Message, seq: int | None) -> None:
    envelope = decode_client_frame(encode(message, seq=seq, ts=TS))
    assert envelope.message == message
    assert type(envelope.message) is type(message)
    assert envelope.seq == seq
    assert envelope.ts == TS
    assert envelope.t == message.TYPE


@pytest.mark.parametrize(("name", "message", "seq"), SERVER, ids=[s[0] for s in SERVER])
def test_server_round_trip(name: str, message: Message, seq: int | None) -> None:
    ts = TS if seq is not None else None
    envelope = decode_server_frame(encode(message, seq=seq, ts=ts))
    assert envelope.message == message
    assert type(envelope.message) is type(message)
    assert (envelope.seq, envelope.ts) == (seq, ts)


def test_control_messages_ignore_seq_on_the_wire() -> None:

    frame = msgpack.packb({"t": "ping", "seq": "junk", "d": {}, "extra": [1, 2]})
    envelope = decode_client_frame(frame)
    assert envelope.seq is None


def test_unknown_payload_keys_are_ignored() -> None:

    frame = msgpack.packb(
        {"t": "state", "seq": 3, "d": {"action": "pause", "future": {"x": [1.5]}}, "zz": 1}
    )
    assert decode_client_frame(frame).message.to_payload() == {"action": "pause"}


def test_nil_optional_fields_count_as_absent() -> None:

    d = {"seg": 1, "text": "x", "final": False, "conf": None, "src": "typed"}
    message = decode_client_frame(msgpack.packb({"t": "transcript", "seq": 1, "d": d})).message
    assert isinstance(message, Transcript)
    assert message.conf is None


def test_limits_are_inclusive() -> None:
    limits = Limits()
    messages: list[Message] = [
        Transcript(
            seg=0, text="é" * limits.max_transcript_chars, final=True, src=TranscriptSource.TYPED
        ),
        NoteRequest(text="n" * limits.max_note_chars, to=NoteTarget.OBSERVERS),
        Face(frames=tuple(FaceFrame(t=i, present=True) for i in range(limits.max_face_frames))),
        Audio(chunk=0, mime="audio/webm", data=bytes(limits.max_audio_bytes)),
    ]
    for seq, message in enumerate(messages, start=1):
        assert decode_client_frame(encode(message, seq=seq)).message == message


def test_frame_of_exactly_the_limit_is_accepted() -> None:
    hello = encode(Hello(role=Role.OBSERVER))
    assert decode_client_frame(hello, Limits(max_frame_bytes=len(hello))).message.TYPE == "hello"


def test_face_extremes_and_integers_for_numbers() -> None:
    frame = FaceFrame(t=0, present=True, yaw=-180, pitch=180, roll=0, eye_contact=1, smile=0)
    message = Face(frames=(frame,))
    assert decode_client_frame(encode(message, seq=1)).message == message


def test_bytearray_and_memoryview_frames() -> None:
    frame = encode(Hello(role=Role.OBSERVER, last_seq=4))
    assert decode_client_frame(bytearray(frame)).message == Hello(role=Role.OBSERVER, last_seq=4)
    assert decode_client_frame(memoryview(frame)).message == Hello(role=Role.OBSERVER, last_seq=4)


def test_code_snapshots_round_trip_and_are_limited_in_utf8_bytes() -> None:
    from protocol import Code, CodeLanguage, DEFAULT_LIMITS, ErrorCode, ProtocolError, RelayedCode
    from protocol import decode_client_frame, decode_server_frame, encode

    code = Code(text="é" * (DEFAULT_LIMITS.max_code_bytes // 2), lang=CodeLanguage.PYTHON, qid="q")
    assert decode_client_frame(encode(code, seq=1)).message == code
    relayed = RelayedCode(message=code, src_seq=1)
    assert decode_server_frame(encode(relayed, seq=5, ts=1)).message == relayed
    too_long = Code(text=code.text + "é", lang=CodeLanguage.PYTHON)
    try:
        decode_client_frame(encode(too_long, seq=1))
    except ProtocolError as error:
        assert error.code is ErrorCode.BAD_PAYLOAD and "UTF-8" in error.message
    else:
        raise AssertionError("a snapshot over 64 KiB in UTF-8 was accepted")
