"""The live interview wire protocol: typed messages, envelope and MessagePack codec.

Pure: the standard library and msgpack only, no I/O. See ``README.md`` in this package.
"""

from .client_messages import Audio, Face, FaceFrame, Hello, NoteRequest, Ping, State, Transcript
from .close_codes import CloseCode
from .code import Code, CodeLanguage, RelayedCode
from .codec import decode_client_frame, decode_server_frame, encode, encode_envelope
from .enums import (
    FeedbackKind,
    FeedbackLevel,
    InterviewKind,
    InterviewPhase,
    NoteTarget,
    QuestionKind,
    Role,
    StateAction,
    TranscriptSource,
)
from .envelope import Envelope
from .errors import ErrorCode, FrameTooLarge, ProtocolError
from .events import Analysis, Feedback, NoteEvent, Phase, Question, QuestionScore, Report
from .limits import DEFAULT_LIMITS, Limits
from .messages import (
    CLIENT_MESSAGE_TYPES,
    CLIENT_MESSAGES,
    DATA_MESSAGE_TYPES,
    LOGGED_EVENT_TYPES,
    SERVER_MESSAGE_TYPES,
    SERVER_MESSAGES,
    ClientControlMessage,
    ClientDataMessage,
    ClientMessage,
    LoggedEvent,
    Message,
    ServerControlMessage,
    ServerMessage,
)
from .relayed import (
    RelayableMessage,
    RelayedAudio,
    RelayedFace,
    RelayedMessage,
    RelayedState,
    RelayedTranscript,
    relay,
)
from .server_control import (
    Ack,
    Error,
    InterviewSummary,
    ObserverInfo,
    Pong,
    Presence,
    QuestionDelta,
    Welcome,
)
from .version import PROTOCOL_VERSION

__all__ = [
    "CLIENT_MESSAGES",
    "CLIENT_MESSAGE_TYPES",
    "DATA_MESSAGE_TYPES",
    "DEFAULT_LIMITS",
    "LOGGED_EVENT_TYPES",
    "PROTOCOL_VERSION",
    "SERVER_MESSAGES",
    "SERVER_MESSAGE_TYPES",
    "Ack",
    "Analysis",
    "Audio",
    "ClientControlMessage",
    "ClientDataMessage",
    "ClientMessage",
    "CloseCode",
    "Code",
    "CodeLanguage",
    "Envelope",
    "Error",
    "ErrorCode",
    "Face",
    "FaceFrame",
    "Feedback",
    "FeedbackKind",
    "FeedbackLevel",
    "FrameTooLarge",
    "Hello",
    "InterviewKind",
    "InterviewPhase",
    "InterviewSummary",
    "Limits",
    "LoggedEvent",
    "Message",
    "NoteEvent",
    "NoteRequest",
    "NoteTarget",
    "ObserverInfo",
    "Phase",
    "Ping",
    "Pong",
    "Presence",
    "ProtocolError",
    "Question",
    "QuestionDelta",
    "QuestionKind",
    "QuestionScore",
    "RelayableMessage",
    "RelayedAudio",
    "RelayedCode",
    "RelayedFace",
    "RelayedMessage",
    "RelayedState",
    "RelayedTranscript",
    "Report",
    "Role",
    "ServerControlMessage",
    "ServerMessage",
    "State",
    "StateAction",
    "Transcript",
    "TranscriptSource",
    "Welcome",
    "decode_client_frame",
    "decode_server_frame",
    "encode",
    "encode_envelope",
    "relay",
]
