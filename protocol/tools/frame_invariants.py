"""What decoding promises for any input, as one checkable function (for fuzzers).

:func:`check_frame` decodes bytes both ways under two sets of limits and raises on anything
but :class:`ProtocolError`, or on a decoded frame that breaks its own invariants: seq and ts
in range, only finite numbers and MessagePack-native values, re-encoding gives the same
envelope, and every refusal can itself be reported in a valid ``error`` frame.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from protocol.codec import decode_client_frame, decode_server_frame, encode, encode_envelope
from protocol.errors import ErrorCode, ProtocolError
from protocol.fields import MAX_INT
from protocol.limits import Limits
from protocol.messages import DATA_MESSAGE_TYPES, LOGGED_EVENT_TYPES

VECTORS = Path(__file__).resolve().parent.parent / "vectors.json"
SMALL = Limits(max_frame_bytes=4096, max_transcript_chars=8, max_face_frames=3, max_audio_bytes=16)
DECODERS = ((decode_client_frame, DATA_MESSAGE_TYPES), (decode_server_frame, LOGGED_EVENT_TYPES))


def seed_frames() -> list[bytes]:
    """Every frame of the test vectors, valid and invalid."""
    return [bytes.fromhex(vector["hex"]) for vector in json.loads(VECTORS.read_text())]


def check_frame(data: bytes) -> None:
    """Decode ``data`` both ways under two sets of limits; raise on any broken promise."""
    for decode, sequenced in DECODERS:
        for limits in (Limits(), SMALL):
            try:
                envelope = decode(data, limits)
            except ProtocolError as error:
                _check_error(error)
                continue
            _check_envelope(envelope, decode, sequenced, limits)


def _check_error(error: ProtocolError) -> None:
    assert isinstance(error.code, ErrorCode), error
    assert 0 < len(error.message) <= 500, error
    assert error.ref is None or (type(error.ref) is int and 1 <= error.ref <= MAX_INT), error
    assert not error.fatal or error.close_code is not None, error
    # Whatever the server refuses, it can tell the client so in a valid frame.
    reported = decode_server_frame(encode(error.to_error())).message
    assert reported.to_payload()["code"] == error.code.value


def _check_envelope(envelope: Any, decode: Any, sequenced: frozenset[str], limits: Limits) -> None:
    t = envelope.message.TYPE
    if t in sequenced:
        assert type(envelope.seq) is int and 1 <= envelope.seq <= MAX_INT, envelope
    else:
        assert envelope.seq is None, envelope
    assert envelope.ts is None or (type(envelope.ts) is int and 0 <= envelope.ts <= MAX_INT)
    _check_values(envelope.message.to_payload())
    again = encode_envelope(envelope)
    assert decode(again, Limits()) == envelope, "re-encoding changed the message"


def _check_values(value: Any) -> None:
    """No NaN or infinity, only str keys, nothing but MessagePack-native types."""
    if isinstance(value, float):
        assert math.isfinite(value), value
    elif isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is str, key
            _check_values(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _check_values(item)
    else:
        assert value is None or isinstance(value, (bool, int, str, bytes)), type(value)
