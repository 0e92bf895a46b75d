"""The candidate's data messages as observers receive them: logged events whose payload is
the stored message with ``src_seq`` (the candidate's client ``seq``) added."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self, TypeAlias, overload

from .client_messages import Audio, Face, State, Transcript
from .fields import check_int, payload_parser, required
from .limits import Limits


def _check(message: object, expected: type, src_seq: object) -> None:
    if type(message) is not expected:
        raise ValueError(f"message: must be a {expected.__name__}, not {type(message).__name__}")
    check_int(src_seq, "src_seq", minimum=1)


@dataclass(frozen=True, kw_only=True)
class RelayedState:
    TYPE: ClassVar[str] = "state"
    message: State
    src_seq: int

    def __post_init__(self) -> None:
        _check(self.message, State, self.src_seq)

    def to_payload(self) -> dict[str, Any]:
        return {**self.message.to_payload(), "src_seq": self.src_seq}

    @classmethod
    @payload_parser
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        return cls(message=State.from_payload(d, limits), src_seq=required(d, "src_seq"))


@dataclass(frozen=True, kw_only=True)
class RelayedTranscript:
    TYPE: ClassVar[str] = "transcript"
    message: Transcript
    src_seq: int

    def __post_init__(self) -> None:
        _check(self.message, Transcript, self.src_seq)

    def to_payload(self) -> dict[str, Any]:
        return {**self.message.to_payload(), "src_seq": self.src_seq}

    @classmethod
    @payload_parser
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        return cls(message=Transcript.from_payload(d, limits), src_seq=required(d, "src_seq"))


@dataclass(frozen=True, kw_only=True)
class RelayedFace:
    TYPE: ClassVar[str] = "face"
    message: Face
    src_seq: int

    def __post_init__(self) -> None:
        _check(self.message, Face, self.src_seq)

    def to_payload(self) -> dict[str, Any]:
        return {**self.message.to_payload(), "src_seq": self.src_seq}

    @classmethod
    @payload_parser
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        return cls(message=Face.from_payload(d, limits), src_seq=required(d, "src_seq"))


@dataclass(frozen=True, kw_only=True)
class RelayedAudio:
    TYPE: ClassVar[str] = "audio"
    message: Audio
    src_seq: int

    def __post_init__(self) -> None:
        _check(self.message, Audio, self.src_seq)

    def to_payload(self) -> dict[str, Any]:
        return {**self.message.to_payload(), "src_seq": self.src_seq}

    @classmethod
    @payload_parser
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        return cls(message=Audio.from_payload(d, limits), src_seq=required(d, "src_seq"))


RelayableMessage: TypeAlias = State | Transcript | Face | Audio
RelayedMessage: TypeAlias = RelayedState | RelayedTranscript | RelayedFace | RelayedAudio


@overload
def relay(message: State, src_seq: int) -> RelayedState: ...
@overload
def relay(message: Transcript, src_seq: int) -> RelayedTranscript: ...
@overload
def relay(message: Face, src_seq: int) -> RelayedFace: ...
@overload
def relay(message: Audio, src_seq: int) -> RelayedAudio: ...
def relay(message: RelayableMessage, src_seq: int) -> RelayedMessage:
    """The logged form of a candidate message stored with client ``seq`` ``src_seq``."""
    if isinstance(message, State):
        return RelayedState(message=message, src_seq=src_seq)
    if isinstance(message, Transcript):
        return RelayedTranscript(message=message, src_seq=src_seq)
    if isinstance(message, Face):
        return RelayedFace(message=message, src_seq=src_seq)
    if isinstance(message, Audio):
        return RelayedAudio(message=message, src_seq=src_seq)
    raise TypeError(f"{type(message).__name__} is not relayed to observers")
