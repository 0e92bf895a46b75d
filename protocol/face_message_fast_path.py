"""The common case of the most frequent client frame, decoded and validated in one go.

A live candidate sends a ``face`` message three times a second, each with five frames;
checked field by field in Python that is most of what decoding costs the server. Here a
well-formed one (only the protocol's keys, every value valid) is decoded by msgspec
against typed structs, in C. Anything else (an unknown or missing key, a value out of
range, nil where a value is required, a limit exceeded, bytes that are not MessagePack)
returns None and takes the full path, which accepts and rejects exactly as before and
says what is wrong. So this path never accepts what the full path refuses; what it
accepts, it decodes to the same message, except that a whole number given for an angle
or a share (``yaw: 0``) is read as a float (``0.0``): the same value.

msgspec is optional for this package (the server installs it): without it every frame
takes the full path.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from .client_messages import Face, checked_face_frame
from .envelope import Envelope
from .fields import MAX_INT
from .limits import Limits

try:
    import msgspec
except ImportError:  # pragma: no cover - exercised by a test in a separate interpreter
    msgspec = None

if msgspec is not None:
    _Degrees = Annotated[float, msgspec.Meta(ge=-180, le=180)]
    _Share = Annotated[float, msgspec.Meta(ge=0, le=1)]

    class _Frame(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
        # The fields in the order FaceFrame.to_payload gives them.
        t: Annotated[int, msgspec.Meta(ge=0, le=MAX_INT)]
        present: bool
        yaw: _Degrees | None = None
        pitch: _Degrees | None = None
        roll: _Degrees | None = None
        eye_contact: _Share | None = None
        emotion: Annotated[str, msgspec.Meta(min_length=1)] | None = None
        emotion_score: _Share | None = None
        smile: _Share | None = None
        blink: bool | None = None

    class _FacePayload(msgspec.Struct, forbid_unknown_fields=True):
        frames: Annotated[list[_Frame], msgspec.Meta(min_length=1)]

    class _FaceEnvelope(msgspec.Struct, forbid_unknown_fields=True):
        t: Literal["face"]
        seq: Annotated[int, msgspec.Meta(ge=1, le=MAX_INT)]
        d: _FacePayload
        ts: Annotated[int, msgspec.Meta(ge=0, le=MAX_INT)] | None = None

    _DECODER = msgspec.msgpack.Decoder(_FaceEnvelope)
else:
    _DECODER = None


# How a client's encoder starts a face message (the type first): anything else is not
# tried here, so other messages pay nothing for this path.
_FACE_TYPE = b"\xa1t\xa4face"


def decode_face_message(frame: bytes | bytearray, limits: Limits) -> Envelope[Face] | None:
    """The envelope of a well-formed ``face`` message, else None (use the full path)."""
    if _DECODER is None or _FACE_TYPE not in frame[:16]:
        return None
    try:
        envelope = _DECODER.decode(frame)
    except Exception:  # msgspec's errors, and UnicodeDecodeError for bad UTF-8
        return None
    structs = envelope.d.frames
    if len(structs) > limits.max_face_frames:
        return None
    max_emotion = limits.max_emotion_chars
    for struct in structs:
        if struct.emotion is not None and len(struct.emotion) > max_emotion:
            return None
    payloads: list[dict[str, Any]] = msgspec.to_builtins(structs)
    message = object.__new__(Face)
    message.__dict__["frames"] = tuple(checked_face_frame(payload) for payload in payloads)
    return Envelope(message, envelope.seq, envelope.ts)
