from __future__ import annotations

import dataclasses
import math
from types import MappingProxyType
from typing import Any

import pytest

from protocol import (
    DATA_MESSAGE_TYPES,
    LOGGED_EVENT_TYPES,
    PROTOCOL_VERSION,
    Ack,
    Analysis,
    Audio,
    CloseCode,
    Envelope,
    Error,
    ErrorCode,
    Face,
    FaceFrame,
    Feedback,
    FeedbackKind,
    FeedbackLevel,
    FrameTooLarge,
    Hello,
    Limits,
    NoteEvent,
    NoteRequest,
    NoteTarget,
    Phase,
    Ping,
    ProtocolError,
    RelayedAudio,
    RelayedFace,
    RelayedState,
    RelayedTranscript,
    Report,
    Role,
    State,
    StateAction,
    Transcript,
    TranscriptSource,
    decode_client_frame,
    encode,
    relay,
)


def test_close_codes() -> None:
    assert CloseCode(1003) is CloseCode.TEXT_FRAME
    assert CloseCode(1009) is CloseCode.TOO_LARGE
    assert CloseCode(4009) is CloseCode.SUPERSEDED
    assert CloseCode(4010) is CloseCode.TOO_FAR_BEHIND


def test_type_sets() -> None:
    assert DATA_MESSAGE_TYPES == {"state", "transcript", "face", "audio", "note", "code"}
    assert LOGGED_EVENT_TYPES == {
        "phase", "question", "feedback", "analysis", "report", "note",
        "transcript", "face", "audio", "state", "code",
    }  # fmt: skip


def test_messages_are_frozen() -> None:
    message = State(action=StateAction.START)
    with pytest.raises(dataclasses.FrozenInstanceError):
        message.action = StateAction.PAUSE  # type: ignore[misc]


def test_strings_are_coerced_to_enum_members() -> None:
    message = Transcript(seg=0, text="", final=False, src="typed")  # type: ignore[arg-type]
    assert message.src is TranscriptSource.TYPED


def test_feedback_kind_is_open() -> None:
    known = Feedback(fid="f", kind=FeedbackKind.PACE, level=FeedbackLevel.GOOD, message="ok")
    assert type(known.kind) is str
    assert known.kind == "pace"
    custom = Feedback(fid="f", kind="posture", level=FeedbackLevel.INFO, message="sit up")
    assert custom.to_payload()["kind"] == "posture"


SPEECH = TranscriptSource.SPEECH
INVALID_CONSTRUCTIONS: dict[str, tuple[type, dict[str, Any]]] = {
    "hello version": (Hello, {"v": 2, "role": Role.OBSERVER}),
    "hello candidate without stream": (Hello, {"role": Role.CANDIDATE}),
    "state unknown action": (State, {"action": "dance"}),
    "transcript seg bool": (Transcript, {"seg": True, "text": "", "final": True, "src": SPEECH}),
    "transcript conf nan": (
        Transcript,
        {"seg": 0, "text": "", "final": True, "conf": math.nan, "src": SPEECH},
    ),
    "face empty": (Face, {"frames": ()}),
    "face list instead of tuple": (Face, {"frames": [FaceFrame(t=0, present=True)]}),
    "face frame yaw": (FaceFrame, {"t": 0, "present": True, "yaw": 200.0}),
    "audio str data": (Audio, {"chunk": 0, "mime": "audio/webm", "data": "abc"}),
    "audio bytearray data": (Audio, {"chunk": 0, "mime": "audio/webm", "data": bytearray(b"a")}),
    "note empty": (NoteRequest, {"text": "", "to": NoteTarget.CANDIDATE}),
    "ack negative": (Ack, {"upto": -1}),
    "error ref zero": (Error, {"code": ErrorCode.INTERNAL, "message": "", "ref": 0}),
    "phase idx float": (Phase, {"phase": "lobby", "idx": 1.0}),
    "analysis score 11": (Analysis, {"qid": "q", "score": 11, "summary": "", "rubric": {}}),
    "analysis strengths list": (
        Analysis,
        {"qid": "q", "score": 1, "summary": "", "strengths": ["a"], "rubric": {}},
    ),
    "report metrics set": (
        Report,
        {"score": 1, "summary": "", "per_question": (), "metrics": {"a": {1, 2}}},
    ),
    "report metrics inf": (
        Report,
        {"score": 1, "summary": "", "per_question": (), "metrics": {"a": math.inf}},
    ),
    "relayed wrong message": (RelayedState, {"message": Ping(), "src_seq": 1}),
    "relayed src_seq zero": (
        RelayedState,
        {"message": State(action=StateAction.START), "src_seq": 0},
    ),
    "note event without sender": (
        NoteEvent,
        {"from_user": "", "text": "x", "to": NoteTarget.CANDIDATE},
    ),
}


@pytest.mark.parametrize(
    ("cls", "kwargs"), INVALID_CONSTRUCTIONS.values(), ids=INVALID_CONSTRUCTIONS.keys()
)
def test_construction_validates(cls: type, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        cls(**kwargs)


def test_free_form_structures_are_read_only() -> None:
    report = Report(
        score=5, summary="", per_question=(), metrics={"flags": ["a"], "face": {"x": 1}}
    )
    assert report.metrics["flags"] == ("a",)
    assert isinstance(report.metrics["face"], MappingProxyType)
    assert report.to_payload()["metrics"] == {"flags": ["a"], "face": {"x": 1}}
    analysis = Analysis(qid="q", score=5, summary="", rubric={"depth": 5})
    with pytest.raises(TypeError):
        analysis.rubric["depth"] = 9  # type: ignore[index]


def test_relay_picks_the_logged_form() -> None:
    audio = Audio(chunk=0, mime="audio/webm", data=b"x")
    assert relay(audio, 4) == RelayedAudio(message=audio, src_seq=4)
    assert isinstance(relay(State(action=StateAction.SKIP), 1), RelayedState)
    assert isinstance(relay(Face(frames=(FaceFrame(t=0, present=False),)), 1), RelayedFace)
    transcript = Transcript(seg=0, text="a", final=True, src=TranscriptSource.SPEECH)
    relayed = relay(transcript, 2)
    assert isinstance(relayed, RelayedTranscript)
    assert relayed.to_payload() == {**transcript.to_payload(), "src_seq": 2}
    with pytest.raises(TypeError):
        relay(Ping(), 1)  # type: ignore[call-overload]


def test_encode_requires_seq_exactly_where_the_protocol_does() -> None:
    state = State(action=StateAction.START)
    with pytest.raises(ValueError):
        encode(state)
    with pytest.raises(ValueError):
        encode(Ping(), seq=3)
    with pytest.raises(ValueError):
        encode(state, seq=0)
    with pytest.raises(ValueError):
        encode(relay(state, 1), seq=1)  # logged events need ts
    assert encode(relay(state, 1), seq=1, ts=0)
    with pytest.raises(ValueError):
        Envelope(Ack(upto=1), seq=1)


def test_hello_defaults() -> None:
    hello = Hello(role=Role.OBSERVER)
    assert hello.v == PROTOCOL_VERSION
    assert hello.to_payload() == {"v": 1, "role": "observer", "last_seq": 0}


def test_protocol_error_to_error() -> None:
    error = ProtocolError(ErrorCode.SEQ_GAP, "expected 4", ref=6)
    assert error.to_error() == Error(
        code=ErrorCode.SEQ_GAP, message="expected 4", ref=6, fatal=False
    )
    assert error.close_code is None
    assert ProtocolError(ErrorCode.FORBIDDEN, "no", fatal=True).close_code is CloseCode.POLICY
    too_large = FrameTooLarge(300_000, 262_144)
    assert too_large.to_error().fatal
    assert too_large.close_code is CloseCode.TOO_LARGE
    assert ProtocolError(ErrorCode.INTERNAL, "x" * 10_000).message == "x" * 500


def test_decoded_error_reports_the_failure() -> None:
    frame = encode(State(action=StateAction.START), seq=7)
    with pytest.raises(ProtocolError) as info:
        decode_client_frame(frame, Limits(max_frame_bytes=len(frame) - 1))
    assert info.value.to_error().to_payload() == {
        "code": "bad_frame",
        "message": info.value.message,
        "fatal": True,
    }


@pytest.mark.parametrize("bad", [0, -1, True, 1.5])
def test_limits_must_be_positive_ints(bad: Any) -> None:
    with pytest.raises(ValueError):
        Limits(max_frame_bytes=bad)
