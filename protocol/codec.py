"""Frames to typed envelopes and back.

Decoding validates everything once; any input, however malformed, raises only
:class:`ProtocolError`. The frame length is checked before unpacking, and the unpacker's
container and string limits are derived from the frame length.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgpack

from .close_codes import CloseCode
from .envelope import Envelope
from .errors import ErrorCode, FrameTooLarge, ProtocolError
from .face_message_fast_path import decode_face_message
from .fields import MAX_INT, is_int
from .limits import DEFAULT_LIMITS, Limits
from .messages import (
    CLIENT_MESSAGES,
    DATA_MESSAGE_TYPES,
    LOGGED_EVENT_TYPES,
    SERVER_MESSAGES,
    ClientMessage,
    Message,
    ServerMessage,
)


def encode(message: Message, *, seq: int | None = None, ts: int | None = None) -> bytes:
    """One binary frame. ``seq`` is required exactly on data messages and logged events,
    ``ts`` on logged events; breaking that is a programming error (``ValueError``)."""
    return encode_envelope(Envelope(message, seq, ts))


def encode_envelope(envelope: Envelope[Message]) -> bytes:
    frame: dict[str, Any] = {"t": envelope.message.TYPE}
    if envelope.seq is not None:
        frame["seq"] = envelope.seq
    if envelope.ts is not None:
        frame["ts"] = envelope.ts
    frame["d"] = envelope.message.to_payload()
    packed: bytes = msgpack.packb(frame, use_bin_type=True)
    return packed


def decode_client_frame(
    frame: bytes | bytearray | memoryview | str, limits: Limits = DEFAULT_LIMITS
) -> Envelope[ClientMessage]:
    """A frame received by the server. ``note`` is a :class:`NoteRequest`; ``transcript``,
    ``face``, ``audio`` and ``state`` are the candidate's plain messages."""
    if type(frame) is bytes and len(frame) <= limits.max_frame_bytes:
        face = decode_face_message(frame, limits)
        if face is not None:
            return face
    return _decode(frame, limits, CLIENT_MESSAGES, DATA_MESSAGE_TYPES, needs_ts=False)


def decode_server_frame(
    frame: bytes | bytearray | memoryview | str, limits: Limits = DEFAULT_LIMITS
) -> Envelope[ServerMessage]:
    """A frame received by a client. ``note`` is a :class:`NoteEvent`; ``transcript``,
    ``face``, ``audio`` and ``state`` are the relayed forms carrying ``src_seq``."""
    return _decode(frame, limits, SERVER_MESSAGES, LOGGED_EVENT_TYPES, needs_ts=True)


def _decode(
    frame: bytes | bytearray | memoryview | str,
    limits: Limits,
    registry: Mapping[str, type[Any]],
    sequenced: frozenset[str],
    *,
    needs_ts: bool,
) -> Envelope[Any]:
    if isinstance(frame, str):
        raise ProtocolError(
            ErrorCode.BAD_FRAME,
            "text frames are not accepted; send binary MessagePack",
            fatal=True,
            close_code=CloseCode.TEXT_FRAME,
        )
    size = frame.nbytes if isinstance(frame, memoryview) else len(frame)
    if size > limits.max_frame_bytes:
        raise FrameTooLarge(size, limits.max_frame_bytes)
    envelope = _unpack(bytes(frame) if isinstance(frame, memoryview) else frame)

    seq = envelope.get("seq")
    valid_seq = seq if is_int(seq) and 1 <= seq <= MAX_INT else None
    t = envelope.get("t")
    if not isinstance(t, str):
        raise _bad_frame("t: required, a string", valid_seq)
    if t in registry and t not in sequenced:
        valid_seq = None  # control messages ignore seq
    d = envelope.get("d")
    if type(d) is not dict:
        raise _bad_frame("d: required, a map", valid_seq)
    if not all(type(key) is str for key in d):
        raise _bad_frame("d: keys must be strings", valid_seq)
    ts = envelope.get("ts")
    if ts is not None and not (is_int(ts) and 0 <= ts <= MAX_INT):
        raise _bad_frame("ts: must be a non-negative integer", valid_seq)

    cls = registry.get(t)
    if cls is None:
        raise ProtocolError(
            ErrorCode.UNKNOWN_TYPE, f"unknown message type {t[:40]!r}", ref=valid_seq
        )
    if t in sequenced:
        if valid_seq is None:
            raise _bad_frame(f"seq: {t!r} requires an integer seq >= 1", None)
        if needs_ts and ts is None:
            raise _bad_frame(f"ts: required on {t!r}", valid_seq)
    try:
        message = cls.from_payload(d, limits)
    except ProtocolError as exc:
        exc.ref = valid_seq
        raise
    return Envelope(message, valid_seq, ts)


def _unpack(frame: bytes | bytearray) -> dict[str, Any]:
    size = len(frame)
    try:
        value = msgpack.unpackb(
            frame,
            raw=False,
            use_list=True,
            strict_map_key=True,
            max_str_len=size,
            max_bin_len=size,
            max_array_len=size,
            max_map_len=size // 2,
            max_ext_len=size,
        )
    except Exception as exc:  # msgpack signals malformed input with many exception types
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        raise ProtocolError(
            ErrorCode.BAD_FRAME, f"not valid MessagePack ({detail})"[:200]
        ) from None
    if type(value) is not dict:
        raise ProtocolError(ErrorCode.BAD_FRAME, "frame must be a MessagePack map")
    if not all(type(key) is str for key in value):
        raise ProtocolError(ErrorCode.BAD_FRAME, "frame keys must be strings")
    return value


def _bad_frame(message: str, ref: int | None) -> ProtocolError:
    return ProtocolError(ErrorCode.BAD_FRAME, message, ref=ref)
