"""The inline check of well-formed face frames accepts exactly what the field-by-field
path accepts, and builds the same frame."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import Limits, ProtocolError
from protocol.client_messages import FaceFrame, _well_formed_frame

LIMITS = Limits()
KEYS = ("t", "present", "yaw", "pitch", "roll", "eye_contact", "emotion", "emotion_score",
        "smile", "blink", "extra")

values = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.5, -179.5, 180, 1, 0]),
    st.text(max_size=40), st.binary(max_size=4), st.lists(st.integers(), max_size=2),
)
frames = st.dictionaries(st.sampled_from(KEYS), values, max_size=len(KEYS))
good = st.fixed_dictionaries(
    {"t": st.integers(min_value=0, max_value=2**63 - 1), "present": st.booleans()},
    optional={"yaw": st.floats(-180, 180), "pitch": st.integers(-180, 180),
              "roll": st.floats(-180, 180), "eye_contact": st.floats(0, 1),
              "emotion": st.text(min_size=1, max_size=32), "emotion_score": st.floats(0, 1),
              "smile": st.floats(0, 1), "blink": st.booleans()},
)


def full_path(item: dict[str, Any]) -> FaceFrame | None:
    try:
        return FaceFrame.from_payload(item, LIMITS)
    except ProtocolError:
        return None


@settings(max_examples=600)
@given(st.one_of(frames, good))
def test_the_inline_check_agrees_with_the_full_path(item: dict[str, Any]) -> None:
    fast = _well_formed_frame(item, LIMITS)
    full = full_path(item)
    if fast is None:
        return  # the full path decides, with its own error message
    assert full is not None, f"accepted inline but refused in full: {item}"
    assert fast == full
    assert fast.to_payload() == full.to_payload()
    assert list(fast.to_payload()) == list(full.to_payload())


@given(good)
def test_every_well_formed_frame_takes_the_inline_path(item: dict[str, Any]) -> None:
    assert _well_formed_frame(item, LIMITS) is not None


def test_out_of_range_and_non_finite_values_go_to_the_full_path() -> None:
    for bad in ({"yaw": 181.0}, {"yaw": math.nan}, {"smile": math.inf}, {"blink": 1},
                {"emotion": ""}, {"present": 1}, {"t": -1}, {"yaw": True}):
        item = {"t": 5, "present": True, **bad}
        assert _well_formed_frame(item, LIMITS) is None
        assert full_path(item) is None


def test_the_inline_check_knows_every_field_in_order() -> None:
    import dataclasses

    from protocol.client_messages import _FACE_FIELDS

    assert tuple(f.name for f in dataclasses.fields(FaceFrame)) == _FACE_FIELDS
