"""The fast path for face messages against the full decoder: it never accepts what the full
path refuses, decodes what it accepts to the same message, and takes the frames real
clients send."""

from __future__ import annotations

import math
from typing import Any

import msgpack
import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol import Face, ProtocolError
from protocol.codec import _decode, decode_client_frame
from protocol.face_message_fast_path import decode_face_message
from protocol.limits import DEFAULT_LIMITS, Limits
from protocol.messages import CLIENT_MESSAGES, DATA_MESSAGE_TYPES

numbers = (st.integers(-400, 400) | st.floats(-400, 400)
           | st.sampled_from([math.nan, math.inf, -math.inf, 0, 1, 1.0, -180, 180.0]))
anything = st.none() | st.booleans() | numbers | st.text(max_size=5) | st.binary(max_size=3)
good_frame = st.fixed_dictionaries(
    {"t": st.integers(0, 2**63 - 1), "present": st.booleans()},
    optional={
        "yaw": st.floats(-180, 180) | st.integers(-180, 180), "pitch": st.floats(-180, 180),
        "roll": st.floats(-180, 180), "eye_contact": st.floats(0, 1) | st.sampled_from([0, 1]),
        "emotion": st.text(min_size=1, max_size=12), "emotion_score": st.floats(0, 1),
        "smile": st.floats(0, 1), "blink": st.booleans(),
    },
)
field_names = st.sampled_from(["t", "present", "yaw", "pitch", "roll", "eye_contact", "emotion",
                               "emotion_score", "smile", "blink", "other"])
# A good frame with some keys given other (often wrong) values, or removed.
any_frame = st.tuples(good_frame, st.dictionaries(field_names, anything, max_size=3),
                      st.lists(field_names, max_size=2)).map(
    lambda parts: {k: v for k, v in {**parts[0], **parts[1]}.items() if k not in parts[2]})


def full(frame: bytes, limits: Limits = DEFAULT_LIMITS) -> Any:
    return _decode(frame, limits, CLIENT_MESSAGES, DATA_MESSAGE_TYPES, needs_ts=False)


def face_frame(d: Any, **envelope: Any) -> bytes:
    return msgpack.packb({"t": "face", "seq": 7, "ts": 1_700_000_000_000, "d": d, **envelope},
                         use_bin_type=True)


@given(frames=st.lists(good_frame, min_size=1, max_size=30))
def test_well_formed_messages_take_the_fast_path(frames: list[dict[str, Any]]) -> None:
    frame = face_frame({"frames": frames})
    fast = decode_face_message(frame, DEFAULT_LIMITS)
    assert fast is not None
    expected = full(frame)
    assert (fast.seq, fast.ts) == (expected.seq, expected.ts)
    assert fast.message.to_payload() == expected.message.to_payload()
    assert fast.message == expected.message
    assert decode_client_frame(frame).message.to_payload() == expected.message.to_payload()


@given(frames=st.lists(any_frame, max_size=4), seq=st.none() | st.integers(-2, 2**64 - 1),
       ts=st.none() | st.integers(-2, 2**64 - 1) | st.text(max_size=2),
       extra=st.dictionaries(st.sampled_from(["x", "frames2"]), anything, max_size=1))
def test_the_fast_path_accepts_nothing_the_full_path_refuses(
        frames: list[dict[str, Any]], seq: Any, ts: Any, extra: dict[str, Any]) -> None:
    envelope: dict[str, Any] = {"t": "face", "d": {"frames": frames, **extra}}
    if seq is not None:
        envelope["seq"] = seq
    if ts is not None:
        envelope["ts"] = ts
    frame = msgpack.packb(envelope, use_bin_type=True)
    fast = decode_face_message(frame, DEFAULT_LIMITS)
    try:
        expected = full(frame)
    except ProtocolError as error:
        assert fast is None, f"fast path accepted what the full path refuses: {error.message}"
        with pytest.raises(ProtocolError) as raised:
            decode_client_frame(frame)
        assert raised.value.code == error.code and raised.value.message == error.message
        return
    if fast is not None:
        assert (fast.seq, fast.ts) == (expected.seq, expected.ts)
        assert fast.message.to_payload() == expected.message.to_payload()


def test_limits_send_a_message_down_the_full_path() -> None:
    strict = Limits(max_face_frames=2, max_emotion_chars=3)
    three = face_frame({"frames": [{"t": 1, "present": True}] * 3})
    assert decode_face_message(three, strict) is None
    with pytest.raises(ProtocolError):
        decode_client_frame(three, strict)
    long_emotion = face_frame({"frames": [{"t": 1, "present": True, "emotion": "happy"}]})
    assert decode_face_message(long_emotion, strict) is None
    with pytest.raises(ProtocolError):
        decode_client_frame(long_emotion, strict)


def test_nil_is_absent_and_whole_numbers_are_read_as_floats() -> None:
    frame = face_frame({"frames": [{"t": 5, "present": False, "yaw": None, "eye_contact": 1}]})
    fast = decode_face_message(frame, DEFAULT_LIMITS)
    assert fast is not None and isinstance(fast.message, Face)
    assert fast.message.to_payload() == {"frames": [{"t": 5, "present": False, "eye_contact": 1.0}]}
    assert type(fast.message.frames[0].eye_contact) is float and fast.message.frames[0].yaw is None


def test_other_messages_and_other_encodings_are_left_to_the_full_path() -> None:
    transcript = msgpack.packb({"t": "transcript", "seq": 1, "d": {"seg": 0, "text": "hi",
                                                                   "final": True, "src": "typed"}})
    assert decode_face_message(transcript, DEFAULT_LIMITS) is None
    # The type given last: valid, so the full path takes it.
    late = msgpack.packb({"seq": 3, "d": {"frames": [{"t": 1, "present": True}]}, "t": "face"})
    assert decode_face_message(late, DEFAULT_LIMITS) is None
    assert decode_client_frame(late).seq == 3
