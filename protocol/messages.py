"""Every message type, grouped by direction, and the wire-type registries."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TypeAlias

from .code import Code, RelayedCode
from .client_messages import Audio, Face, Hello, NoteRequest, Ping, State, Transcript
from .events import Analysis, Feedback, NoteEvent, Phase, Question, Report
from .relayed import RelayedAudio, RelayedFace, RelayedMessage, RelayedState, RelayedTranscript
from .server_control import Ack, Error, Pong, Presence, QuestionDelta, Welcome

ClientDataMessage: TypeAlias = State | Transcript | Face | Audio | NoteRequest | Code
ClientControlMessage: TypeAlias = Hello | Ping
ClientMessage: TypeAlias = ClientDataMessage | ClientControlMessage
ServerControlMessage: TypeAlias = Welcome | Ack | QuestionDelta | Presence | Pong | Error
LoggedEvent: TypeAlias = (
    Phase | Question | Feedback | Analysis | Report | NoteEvent | RelayedMessage | RelayedCode
)
ServerMessage: TypeAlias = ServerControlMessage | LoggedEvent
Message: TypeAlias = ClientMessage | ServerMessage

_CLIENT_DATA: tuple[type[ClientDataMessage], ...] = (
    State, Transcript, Face, Audio, NoteRequest, Code
)
_CLIENT_CONTROL: tuple[type[ClientControlMessage], ...] = (Hello, Ping)
_SERVER_CONTROL: tuple[type[ServerControlMessage], ...] = (
    Welcome,
    Ack,
    QuestionDelta,
    Presence,
    Pong,
    Error,
)
_LOGGED: tuple[type[LoggedEvent], ...] = (
    Phase,
    Question,
    Feedback,
    Analysis,
    Report,
    NoteEvent,
    RelayedTranscript,
    RelayedFace,
    RelayedAudio,
    RelayedState,
    RelayedCode,
)

# Wire type → class, for each direction. "note" and the candidate's data types name a
# different class in each direction.
CLIENT_MESSAGES: Mapping[str, type[ClientMessage]] = MappingProxyType(
    {cls.TYPE: cls for cls in (*_CLIENT_DATA, *_CLIENT_CONTROL)}
)
SERVER_MESSAGES: Mapping[str, type[ServerMessage]] = MappingProxyType(
    {cls.TYPE: cls for cls in (*_SERVER_CONTROL, *_LOGGED)}
)

DATA_MESSAGE_TYPES = frozenset(cls.TYPE for cls in _CLIENT_DATA)
LOGGED_EVENT_TYPES = frozenset(cls.TYPE for cls in _LOGGED)
CLIENT_MESSAGE_TYPES = frozenset(CLIENT_MESSAGES)
SERVER_MESSAGE_TYPES = frozenset(SERVER_MESSAGES)

# Classes whose envelope carries a seq: the client's stream seq or the event-log seq.
SEQUENCED_CLASSES: frozenset[type[Message]] = frozenset((*_CLIENT_DATA, *_LOGGED))
LOGGED_EVENT_CLASSES: frozenset[type[Message]] = frozenset(_LOGGED)
