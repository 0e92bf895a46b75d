"""Messages a client sends to the server.

``state``, ``transcript``, ``face``, ``audio`` and ``note`` are data messages: the envelope
carries the sender's stream ``seq`` and the server stores them. ``hello`` and ``ping`` are
control messages without ``seq``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from .enums import NoteTarget, Role, StateAction, TranscriptSource
from .errors import ErrorCode, ProtocolError
from .fields import (
    MAX_INT,
    check_bool,
    check_int,
    check_optional_number,
    check_optional_str,
    check_str,
    check_tuple_of,
    coerce_enum,
    is_int,
    limit_bytes,
    limit_chars,
    list_items,
    map_items,
    optional,
    payload_parser,
    required,
    set_field,
)
from .limits import Limits
from .version import PROTOCOL_VERSION


@dataclass(frozen=True, kw_only=True)
class Hello:
    """The first message of every connection: version, role and resume point.

    A candidate names its outgoing ``stream`` (reused across reconnects of one tab);
    observers may omit it. ``last_seq`` is the highest event ``seq`` already applied.
    """

    TYPE: ClassVar[str] = "hello"
    v: int = PROTOCOL_VERSION
    role: Role
    stream: str | None = None
    last_seq: int = 0

    def __post_init__(self) -> None:
        if not is_int(self.v) or self.v != PROTOCOL_VERSION:
            raise ValueError(
                f"v: unsupported protocol version (this server speaks {PROTOCOL_VERSION})"
            )
        set_field(self, "role", coerce_enum(Role, self.role, "role"))
        check_optional_str(self.stream, "stream", non_empty=True)
        if self.role is Role.CANDIDATE and self.stream is None:
            raise ValueError("stream: required for a candidate")
        check_int(self.last_seq, "last_seq")

    def to_payload(self) -> dict[str, Any]:
        d: dict[str, Any] = {"v": self.v, "role": self.role.value}
        if self.stream is not None:
            d["stream"] = self.stream
        d["last_seq"] = self.last_seq
        return d

    @classmethod
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        # Without a valid hello the connection cannot proceed, so every failure is fatal.
        try:
            return cls(
                v=required(d, "v"),
                role=required(d, "role"),
                stream=limit_chars(optional(d, "stream"), "stream", limits.max_id_chars),
                last_seq=required(d, "last_seq"),
            )
        except ValueError as exc:
            raise ProtocolError(ErrorCode.BAD_PAYLOAD, str(exc), fatal=True) from None


@dataclass(frozen=True, kw_only=True)
class State:
    """A candidate's interview control action."""

    TYPE: ClassVar[str] = "state"
    action: StateAction

    def __post_init__(self) -> None:
        set_field(self, "action", coerce_enum(StateAction, self.action, "action"))

    def to_payload(self) -> dict[str, Any]:
        return {"action": self.action.value}

    @classmethod
    @payload_parser
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        return cls(action=required(d, "action"))


@dataclass(frozen=True, kw_only=True)
class Transcript:
    """A segment of the candidate's answer; a later message with the same ``seg`` replaces
    an interim one, and a ``final`` segment is frozen."""

    TYPE: ClassVar[str] = "transcript"
    seg: int
    text: str
    final: bool
    conf: float | None = None
    src: TranscriptSource

    def __post_init__(self) -> None:
        check_int(self.seg, "seg")
        check_str(self.text, "text")
        check_bool(self.final, "final")
        check_optional_number(self.conf, "conf", minimum=0, maximum=1)
        set_field(self, "src", coerce_enum(TranscriptSource, self.src, "src"))

    def to_payload(self) -> dict[str, Any]:
        d: dict[str, Any] = {"seg": self.seg, "text": self.text, "final": self.final}
        if self.conf is not None:
            d["conf"] = self.conf
        d["src"] = self.src.value
        return d

    @classmethod
    @payload_parser
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        return cls(
            seg=required(d, "seg"),
            text=limit_chars(required(d, "text"), "text", limits.max_transcript_chars),
            final=required(d, "final"),
            conf=optional(d, "conf"),
            src=required(d, "src"),
        )


@dataclass(frozen=True, kw_only=True)
class FaceFrame:
    """One face-tracking sample: ``t`` in ms, angles in degrees, shares in 0..1."""

    t: int
    present: bool
    yaw: float | None = None
    pitch: float | None = None
    roll: float | None = None
    eye_contact: float | None = None
    emotion: str | None = None
    emotion_score: float | None = None
    smile: float | None = None
    blink: bool | None = None

    def __post_init__(self) -> None:
        check_int(self.t, "t")
        check_bool(self.present, "present")
        check_optional_number(self.yaw, "yaw", minimum=-180, maximum=180)
        check_optional_number(self.pitch, "pitch", minimum=-180, maximum=180)
        check_optional_number(self.roll, "roll", minimum=-180, maximum=180)
        check_optional_number(self.eye_contact, "eye_contact", minimum=0, maximum=1)
        check_optional_number(self.emotion_score, "emotion_score", minimum=0, maximum=1)
        check_optional_number(self.smile, "smile", minimum=0, maximum=1)
        check_optional_str(self.emotion, "emotion", non_empty=True)
        if self.blink is not None:
            check_bool(self.blink, "blink")

    def to_payload(self) -> dict[str, Any]:
        made = self.__dict__.get("_payload")  # by the inline check, as it went
        if made is not None:
            # Made for this, by the inline check: a face message is logged once, so copying
            # it per frame (15 a second per candidate) would buy nothing. Do not mutate it.
            return made
        # The fields in their order, absent ones left out (``t`` and ``present`` never are).
        values = self.__dict__
        return {name: values[name] for name in _FACE_FIELDS if values[name] is not None}

    @classmethod
    @payload_parser
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        get = d.get  # optional fields; nil counts as absent
        return cls(
            t=required(d, "t"),
            present=required(d, "present"),
            yaw=get("yaw"),
            pitch=get("pitch"),
            roll=get("roll"),
            eye_contact=get("eye_contact"),
            emotion=limit_chars(get("emotion"), "emotion", limits.max_emotion_chars),
            emotion_score=get("emotion_score"),
            smile=get("smile"),
            blink=get("blink"),
        )


_FACE_NUMBERS = (
    ("yaw", -180, 180),
    ("pitch", -180, 180),
    ("roll", -180, 180),
    ("eye_contact", 0, 1),
)
_FACE_SHARES = (("emotion_score", 0, 1), ("smile", 0, 1))
_FACE_FIELDS = ("t", "present", "yaw", "pitch", "roll", "eye_contact", "emotion",
                "emotion_score", "smile", "blink")
_ABSENT: dict[str, Any] = dict.fromkeys(_FACE_FIELDS)


def _well_formed_frame(item: object, limits: Limits) -> FaceFrame | None:
    """The frame, when ``item`` is a well-formed one; None sends it down the full path,
    which says what is wrong. Face frames arrive 15 a second per candidate, so the
    common case is checked here once, inline, instead of field by field twice."""
    if type(item) is not dict or len(item) > limits.max_items:
        return None
    get = item.get
    t = get("t")
    present = get("present")
    if type(t) is not int or not 0 <= t <= MAX_INT or type(present) is not bool:
        return None
    # The payload as ``to_payload`` makes it: present fields only, in the fields' order.
    payload: dict[str, Any] = {"t": t, "present": present}
    for name, low, high in _FACE_NUMBERS:
        value = get(name)
        if value is not None:
            if not ((type(value) is float or type(value) is int) and low <= value <= high):
                return None
            payload[name] = value
    emotion = get("emotion")
    if emotion is not None:
        if type(emotion) is not str or not emotion or len(emotion) > limits.max_emotion_chars:
            return None
        payload["emotion"] = emotion
    for name, low, high in _FACE_SHARES:
        value = get(name)
        if value is not None:
            if not ((type(value) is float or type(value) is int) and low <= value <= high):
                return None
            payload[name] = value
    blink = get("blink")
    if blink is not None:
        if type(blink) is not bool:
            return None
        payload["blink"] = blink
    return checked_face_frame(payload)


def checked_face_frame(payload: dict[str, Any]) -> FaceFrame:
    """The frame of a payload already checked (present fields only, in the fields' order),
    made without checking it again; ``to_payload`` hands ``payload`` back."""
    frame = object.__new__(FaceFrame)
    values = frame.__dict__
    values.update(_ABSENT)
    values.update(payload)
    values["_payload"] = payload
    return frame


@dataclass(frozen=True, kw_only=True)
class Face:
    """A batch of face-tracking samples (at least one)."""

    TYPE: ClassVar[str] = "face"
    frames: tuple[FaceFrame, ...]

    def __post_init__(self) -> None:
        check_tuple_of(self.frames, "frames", FaceFrame)
        if not self.frames:
            raise ValueError("frames: at least one frame is required")

    def to_payload(self) -> dict[str, Any]:
        return {"frames": [frame.to_payload() for frame in self.frames]}

    @classmethod
    @payload_parser
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        items = list_items(required(d, "frames"), "frames", limits.max_face_frames)
        frames = tuple(
            _well_formed_frame(item, limits)
            or FaceFrame.from_payload(map_items(item, f"frames[{i}]", limits.max_items), limits)
            for i, item in enumerate(items)
        )
        return cls(frames=frames)


@dataclass(frozen=True, kw_only=True)
class Audio:
    """A chunk of the candidate's recording; chunks of a stream are gapless."""

    TYPE: ClassVar[str] = "audio"
    chunk: int
    mime: str
    data: bytes = field(repr=False)

    def __post_init__(self) -> None:
        check_int(self.chunk, "chunk")
        check_str(self.mime, "mime", non_empty=True)
        if type(self.data) is not bytes:
            raise ValueError(f"data: must be binary, not {type(self.data).__name__}")

    def to_payload(self) -> dict[str, Any]:
        return {"chunk": self.chunk, "mime": self.mime, "data": self.data}

    @classmethod
    @payload_parser
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        return cls(
            chunk=required(d, "chunk"),
            mime=limit_chars(required(d, "mime"), "mime", limits.max_mime_chars),
            data=limit_bytes(required(d, "data"), "data", limits.max_audio_bytes),
        )


@dataclass(frozen=True, kw_only=True)
class NoteRequest:
    """An instructor's note, wire type ``note``; the server logs it as a :class:`NoteEvent`."""

    TYPE: ClassVar[str] = "note"
    text: str
    to: NoteTarget

    def __post_init__(self) -> None:
        check_str(self.text, "text", non_empty=True)
        set_field(self, "to", coerce_enum(NoteTarget, self.to, "to"))

    def to_payload(self) -> dict[str, Any]:
        return {"text": self.text, "to": self.to.value}

    @classmethod
    @payload_parser
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        return cls(
            text=limit_chars(required(d, "text"), "text", limits.max_note_chars),
            to=required(d, "to"),
        )


@dataclass(frozen=True, kw_only=True)
class Ping:
    """Keep-alive; answered with ``pong``."""

    TYPE: ClassVar[str] = "ping"

    def to_payload(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        return cls()
