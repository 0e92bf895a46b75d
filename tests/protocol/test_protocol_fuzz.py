"""Whatever arrives, decoding raises nothing but ProtocolError, and what it accepts
re-encodes to an equal envelope."""

from __future__ import annotations

from typing import Any

import msgpack
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocol import (
    CLIENT_MESSAGE_TYPES,
    SERVER_MESSAGE_TYPES,
    Envelope,
    Limits,
    ProtocolError,
    decode_client_frame,
    decode_server_frame,
    encode_envelope,
)
from protocol.tools.make_vectors import TS, client_valid, server_valid

FUZZ = settings(
    max_examples=3 * settings.default.max_examples,  # 300, or 6000 with HYPOTHESIS_PROFILE=long
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
SMALL_LIMITS = Limits(
    max_frame_bytes=4096, max_transcript_chars=8, max_face_frames=3, max_audio_bytes=16
)

FIELD_NAMES = sorted(
    {
        "v", "role", "stream", "last_seq", "action", "seg", "text", "final", "conf", "src",
        "frames", "t", "present", "yaw", "pitch", "roll", "eye_contact", "emotion",
        "emotion_score", "smile", "blink", "chunk", "mime", "data", "to", "interview", "id",
        "status", "phase", "kind", "role_title", "question_idx", "questions_total", "acked",
        "head", "server_time", "upto", "qid", "observers", "user", "name", "code", "message",
        "ref", "fatal", "expected", "idx", "parent_qid", "fid", "level", "value", "score",
        "summary", "strengths", "improvements", "rubric", "per_question", "metrics", "from",
        "src_seq",
    }
)  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.sampled_from([0, 1, -1, 10, 180, 2**53, 2**63 - 1, 2**63])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([0.0, 0.5, 1.0, 10.0, -180.0, 180.0])
    | st.text(max_size=12)
    | st.sampled_from(["start", "candidate", "observer", "speech", "lobby", "main", "warn"])
    | st.binary(max_size=12)
)
keys = st.sampled_from(FIELD_NAMES) | st.text(max_size=6)
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5),
    max_leaves=20,
)
types = st.sampled_from(sorted(CLIENT_MESSAGE_TYPES | SERVER_MESSAGE_TYPES)) | st.text(max_size=8)
envelopes = st.fixed_dictionaries(
    {"t": types, "d": st.dictionaries(keys, values, max_size=8)},
    optional={"seq": scalars, "ts": scalars, "x": values},
)
VALID_FRAMES = [
    encode_envelope(Envelope(message, seq, TS if seq is not None else None))
    for _, message, seq in client_valid() + server_valid()
]


def check(frame: bytes) -> None:
    for decode in (decode_client_frame, decode_server_frame):
        for limits in (Limits(), SMALL_LIMITS):
            try:
                envelope: Envelope[Any] = decode(frame, limits)
            except ProtocolError:
                continue
            assert decode(encode_envelope(envelope), Limits()) == envelope


def pack(value: Any) -> bytes:
    packed: bytes = msgpack.packb(value, use_bin_type=True)
    return packed


@FUZZ
@given(st.binary(max_size=200))
def test_arbitrary_bytes(frame: bytes) -> None:
    check(frame)


@FUZZ
@given(values)
def test_arbitrary_values(value: Any) -> None:
    check(pack(value))


@FUZZ
@given(envelopes)
def test_envelope_shaped_values(value: dict[str, Any]) -> None:
    check(pack(value))


@FUZZ
@given(st.sampled_from(VALID_FRAMES), st.data())
def test_mutated_payload_fields(frame: bytes, data: st.DataObject) -> None:
    envelope = msgpack.unpackb(frame)
    d = envelope["d"]
    target: dict[str, Any] = d
    # Sometimes reach into a nested map (face frames, interview summary, observers).
    nested = [v for v in d.values() if isinstance(v, dict)] + [
        item for v in d.values() if isinstance(v, list) for item in v if isinstance(item, dict)
    ]
    use_nested = data.draw(st.booleans())
    if nested and use_nested:
        target = data.draw(st.sampled_from(nested))
    key = data.draw(st.sampled_from(sorted(target)) if target else keys)
    if data.draw(st.booleans()):
        target[key] = data.draw(values)
    else:
        target.pop(key, None)
    check(pack(envelope))


@FUZZ
@given(st.sampled_from(VALID_FRAMES), st.data())
def test_corrupted_bytes(frame: bytes, data: st.DataObject) -> None:
    corrupt = bytearray(frame)
    for _ in range(data.draw(st.integers(1, 4))):
        corrupt[data.draw(st.integers(0, len(corrupt) - 1))] = data.draw(st.integers(0, 255))
    check(bytes(corrupt))
    check(frame[: data.draw(st.integers(0, len(frame)))])
