"""Regenerate ``protocol/vectors.json``: frames any implementation of the protocol must
decode (``valid``) or reject with the recorded error code.

Run ``python -m protocol.tools.make_vectors`` after changing the protocol; a test fails
while the file is out of date.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import msgpack

from protocol.client_messages import (
    Audio,
    Face,
    FaceFrame,
    Hello,
    NoteRequest,
    Ping,
    State,
    Transcript,
)
from protocol.code import Code, CodeLanguage
from protocol.codec import encode
from protocol.enums import (
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
from protocol.errors import ErrorCode
from protocol.events import Analysis, Feedback, NoteEvent, Phase, Question, QuestionScore, Report
from protocol.messages import Message
from protocol.relayed import relay
from protocol.code import RelayedCode
from protocol.server_control import (
    Ack,
    Error,
    InterviewSummary,
    ObserverInfo,
    Pong,
    Presence,
    QuestionDelta,
    Welcome,
)

VECTORS_PATH = Path(__file__).resolve().parent.parent / "vectors.json"
TS = 1_764_316_800_000  # 2025-11-28T08:00:00Z

_FULL_FRAME = FaceFrame(
    t=1500,
    present=True,
    yaw=-12.5,
    pitch=3.25,
    roll=0.5,
    eye_contact=0.75,
    emotion="neutral",
    emotion_score=0.875,
    smile=0.125,
    blink=False,
)
_AUDIO = Audio(chunk=3, mime="audio/webm;codecs=opus", data=bytes(range(16)))
_TRANSCRIPT = Transcript(
    seg=2,
    text="I led the migration to Postgres.",
    final=True,
    conf=0.5,
    src=TranscriptSource.SPEECH,
)
_FACE = Face(frames=(_FULL_FRAME, FaceFrame(t=1567, present=False)))
_CODE = Code(
    text="def pairs(xs):\n    return [(a, b) for a in xs for b in xs]  # O(n²)\n",
    lang=CodeLanguage.PYTHON,
    qid="q2",
)


def client_valid() -> list[tuple[str, Message, int | None]]:
    """(name, message, seq) of every valid client → server vector."""
    return [
        (
            "hello candidate",
            Hello(role=Role.CANDIDATE, stream="3f0c9a52-6d1e-4c0b-9a57-2b8e1f4d7c10", last_seq=17),
            None,
        ),
        ("hello observer without stream", Hello(role=Role.OBSERVER, last_seq=0), None),
        ("state", State(action=StateAction.ANSWER_END), 4),
        ("transcript", _TRANSCRIPT, 5),
        (
            "transcript interim typed, no conf",
            Transcript(seg=3, text="Thé", final=False, src=TranscriptSource.TYPED),
            6,
        ),
        ("face", _FACE, 7),
        ("audio", _AUDIO, 8),
        ("note", NoteRequest(text="Ask about testing.", to=NoteTarget.CANDIDATE), 1),
        ("code", _CODE, 9),
        ("code empty, without qid", Code(text="", lang=CodeLanguage.JAVASCRIPT), 10),
        ("ping", Ping(), None),
    ]


def server_valid() -> list[tuple[str, Message, int | None]]:
    """(name, message, seq) of every valid server → client vector."""
    summary = InterviewSummary(
        id="iv-42",
        status="live",
        phase=InterviewPhase.ANSWERING,
        kind=InterviewKind.TECHNICAL,
        role_title="Backend engineer",
        question_idx=1,
        questions_total=5,
    )
    return [
        ("welcome", Welcome(interview=summary, acked=12, head=40, server_time=TS), None),
        ("ack", Ack(upto=12), None),
        ("question.delta", QuestionDelta(qid="q2", text="Tell me about "), None),
        ("presence", Presence(observers=(ObserverInfo(user="u7", name="Dana"),)), None),
        ("presence empty", Presence(observers=()), None),
        ("pong", Pong(), None),
        (
            "error",
            Error(
                code=ErrorCode.SEQ_GAP, message="expected seq 13", ref=15, fatal=False, expected=13
            ),
            None,
        ),
        (
            "error fatal without ref",
            Error(code=ErrorCode.FORBIDDEN, message="not allowed", fatal=True),
            None,
        ),
        ("phase", Phase(phase=InterviewPhase.ASKING, qid="q2", idx=1), 41),
        ("phase lobby", Phase(phase=InterviewPhase.LOBBY), 1),
        (
            "question",
            Question(qid="q2", idx=1, kind=QuestionKind.MAIN, text="Tell me about a failure."),
            42,
        ),
        (
            "question follow-up",
            Question(
                qid="q2f",
                idx=1,
                kind=QuestionKind.FOLLOW_UP,
                text="What would you change?",
                parent_qid="q2",
            ),
            43,
        ),
        (
            "feedback",
            Feedback(
                fid="f9",
                qid="q2",
                kind=FeedbackKind.PACE,
                level=FeedbackLevel.WARN,
                message="Slow down a little.",
                value=182.5,
            ),
            44,
        ),
        (
            "feedback minimal",
            Feedback(
                fid="f10",
                kind=FeedbackKind.FACE_MISSING,
                level=FeedbackLevel.INFO,
                message="We cannot see you.",
            ),
            45,
        ),
        (
            "analysis",
            Analysis(
                qid="q2",
                score=7.5,
                summary="Clear and specific.",
                strengths=("concrete example",),
                improvements=("quantify the impact", "mention testing"),
                rubric={"structure": 8, "relevance": 7.5},
            ),
            46,
        ),
        (
            "report",
            Report(
                score=7,
                summary="Solid interview.",
                per_question=(
                    QuestionScore(qid="q1", score=6.5),
                    QuestionScore(qid="q2", score=7.5),
                ),
                metrics={
                    "wpm": 142.5,
                    "fillers": 3,
                    "eye_contact": 0.625,
                    "flags": ("pace",),
                    "face": {"present": 0.875},
                },
            ),
            47,
        ),
        ("note", NoteEvent(from_user="u7", text="Great answer.", to=NoteTarget.OBSERVERS), 48),
        ("relayed state", relay(State(action=StateAction.START), 1), 2),
        ("relayed transcript", relay(_TRANSCRIPT, 5), 49),
        ("relayed face", relay(_FACE, 7), 50),
        ("relayed audio", relay(_AUDIO, 8), 51),
        ("relayed code", RelayedCode(message=_CODE, src_seq=9), 52),
        (
            "coding question",
            Question(qid="q3", idx=2, kind=QuestionKind.MAIN, text="Write pairs(xs).", coding=True),
            53,
        ),
    ]


def _pack(frame: Any) -> bytes:
    packed: bytes = msgpack.packb(frame, use_bin_type=True)
    return packed


def _transcript_frame(**d: Any) -> bytes:
    payload = {"seg": 0, "text": "hello", "final": True, "src": "speech"}
    payload.update(d)
    return _pack({"t": "transcript", "seq": 1, "d": payload})


def _face_frames(n: int) -> bytes:
    return _pack(
        {"t": "face", "seq": 1, "d": {"frames": [{"t": i, "present": True} for i in range(n)]}}
    )


def client_invalid() -> list[tuple[str, bytes, str]]:
    """(name, frame, error code) of every invalid client → server vector."""
    state = {"action": "start"}
    return [
        ("empty frame", b"", "bad_frame"),
        ("not msgpack", b"\xc1", "bad_frame"),
        ("not a map", _pack(["state", 1, state]), "bad_frame"),
        ("missing t", _pack({"seq": 1, "d": state}), "bad_frame"),
        ("t not a string", _pack({"t": 7, "seq": 1, "d": state}), "bad_frame"),
        ("missing d", _pack({"t": "state", "seq": 1}), "bad_frame"),
        ("d not a map", _pack({"t": "state", "seq": 1, "d": ["start"]}), "bad_frame"),
        ("binary map key", _pack({"t": "state", "seq": 1, "d": {b"action": "start"}}), "bad_frame"),
        (
            "ts not an integer",
            _pack({"t": "state", "seq": 1, "ts": "now", "d": state}),
            "bad_frame",
        ),
        (
            "invalid utf-8",
            b"\x83\xa1t\xa5state\xa3seq\x01\xa1d\x81\xa6action\xa2\xff\xfe",
            "bad_frame",
        ),
        ("trailing bytes", _pack({"t": "ping", "d": {}}) + b"\x00", "bad_frame"),
        (
            "deep nesting",
            b"\x83\xa1t\xa4ping\xa1d\x80\xa1x" + b"\x91" * 2000 + b"\xc0",
            "bad_frame",
        ),
        ("missing seq on data message", _pack({"t": "state", "d": state}), "bad_frame"),
        ("seq zero", _pack({"t": "state", "seq": 0, "d": state}), "bad_frame"),
        ("seq negative", _pack({"t": "state", "seq": -3, "d": state}), "bad_frame"),
        ("seq boolean", _pack({"t": "state", "seq": True, "d": state}), "bad_frame"),
        ("seq float", _pack({"t": "state", "seq": 1.0, "d": state}), "bad_frame"),
        ("unknown type", _pack({"t": "dance", "seq": 1, "d": {}}), "unknown_type"),
        ("server type sent by client", _pack({"t": "welcome", "d": {}}), "unknown_type"),
        (
            "unknown action",
            _pack({"t": "state", "seq": 1, "d": {"action": "dance"}}),
            "bad_payload",
        ),
        ("wrong type: seg as string", _transcript_frame(seg="0"), "bad_payload"),
        ("bool as int: seg true", _transcript_frame(seg=True), "bad_payload"),
        ("float as int: seg 1.0", _transcript_frame(seg=1.0), "bad_payload"),
        ("int as bool: final 1", _transcript_frame(final=1), "bad_payload"),
        ("NaN conf", _transcript_frame(conf=math.nan), "bad_payload"),
        ("infinite conf", _transcript_frame(conf=math.inf), "bad_payload"),
        ("conf out of range", _transcript_frame(conf=1.5), "bad_payload"),
        (
            "missing field: final",
            _pack({"t": "transcript", "seq": 1, "d": {"seg": 0, "text": "", "src": "typed"}}),
            "bad_payload",
        ),
        ("transcript too long", _transcript_frame(text="a" * 4001), "bad_payload"),
        ("no face frames", _face_frames(0), "bad_payload"),
        ("too many face frames", _face_frames(31), "bad_payload"),
        (
            "face yaw out of range",
            _pack(
                {"t": "face", "seq": 1, "d": {"frames": [{"t": 0, "present": True, "yaw": 181}]}}
            ),
            "bad_payload",
        ),
        (
            "audio data as string",
            _pack(
                {"t": "audio", "seq": 1, "d": {"chunk": 0, "mime": "audio/webm", "data": "AAAA"}}
            ),
            "bad_payload",
        ),
        (
            "audio too large",
            _pack(
                {
                    "t": "audio",
                    "seq": 1,
                    "d": {"chunk": 0, "mime": "audio/webm", "data": bytes(128 * 1024 + 1)},
                }
            ),
            "bad_payload",
        ),
        (
            "note too long",
            _pack({"t": "note", "seq": 1, "d": {"text": "n" * 2001, "to": "candidate"}}),
            "bad_payload",
        ),
        (
            "code too long",
            _pack({"t": "code", "seq": 1, "d": {"text": "x" * (64 * 1024 + 1), "lang": "python"}}),
            "bad_payload",
        ),
        (
            "code in an unknown language",
            _pack({"t": "code", "seq": 1, "d": {"text": "print(1)", "lang": "cobol"}}),
            "bad_payload",
        ),
        (
            "bad hello version",
            _pack({"t": "hello", "d": {"v": 2, "role": "observer", "last_seq": 0}}),
            "bad_payload",
        ),
        (
            "hello candidate without stream",
            _pack({"t": "hello", "d": {"v": 1, "role": "candidate", "last_seq": 0}}),
            "bad_payload",
        ),
    ]


def server_invalid() -> list[tuple[str, bytes, str]]:
    """(name, frame, error code) of every invalid server → client vector."""
    return [
        ("not a map", _pack("welcome"), "bad_frame"),
        (
            "logged event without seq",
            _pack({"t": "phase", "ts": TS, "d": {"phase": "lobby"}}),
            "bad_frame",
        ),
        (
            "logged event without ts",
            _pack({"t": "phase", "seq": 1, "d": {"phase": "lobby"}}),
            "bad_frame",
        ),
        ("client type sent by server", _pack({"t": "hello", "d": {}}), "unknown_type"),
        (
            "relayed transcript without src_seq",
            _pack(
                {
                    "t": "transcript",
                    "seq": 3,
                    "ts": TS,
                    "d": {"seg": 0, "text": "", "final": False, "src": "speech"},
                }
            ),
            "bad_payload",
        ),
        (
            "note without from",
            _pack({"t": "note", "seq": 3, "ts": TS, "d": {"text": "hi", "to": "observers"}}),
            "bad_payload",
        ),
        (
            "analysis score above 10",
            _pack(
                {
                    "t": "analysis",
                    "seq": 3,
                    "ts": TS,
                    "d": {
                        "qid": "q",
                        "score": 11,
                        "summary": "",
                        "strengths": [],
                        "improvements": [],
                        "rubric": {},
                    },
                }
            ),
            "bad_payload",
        ),
        (
            "rubric NaN",
            _pack(
                {
                    "t": "analysis",
                    "seq": 3,
                    "ts": TS,
                    "d": {
                        "qid": "q",
                        "score": 5,
                        "summary": "",
                        "strengths": [],
                        "improvements": [],
                        "rubric": {"x": math.nan},
                    },
                }
            ),
            "bad_payload",
        ),
        ("ack upto as bool", _pack({"t": "ack", "d": {"upto": False}}), "bad_payload"),
        (
            "unknown error code",
            _pack({"t": "error", "d": {"code": "oops", "message": "", "fatal": False}}),
            "bad_payload",
        ),
    ]


def to_json(value: Any) -> Any:
    """A payload as JSON: binary becomes ``{"$bin": hex}``."""
    if isinstance(value, bytes):
        return {"$bin": value.hex()}
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    return value


def build_vectors() -> list[dict[str, Any]]:
    vectors: list[dict[str, Any]] = []
    for direction, valid in (("client", client_valid()), ("server", server_valid())):
        for name, message, seq in valid:
            ts = TS if seq is not None else None
            vectors.append(
                {
                    "name": name,
                    "direction": direction,
                    "hex": encode(message, seq=seq, ts=ts).hex(),
                    "valid": True,
                    "t": message.TYPE,
                    "seq": seq,
                    "ts": ts,
                    "d_json": to_json(message.to_payload()),
                }
            )
    for direction, invalid in (("client", client_invalid()), ("server", server_invalid())):
        for name, frame, error in invalid:
            vectors.append(
                {
                    "name": name,
                    "direction": direction,
                    "hex": frame.hex(),
                    "valid": False,
                    "error": error,
                }
            )
    return vectors


def render() -> str:
    return json.dumps(build_vectors(), indent=1, ensure_ascii=False) + "\n"


def main() -> None:
    VECTORS_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {len(build_vectors())} vectors to {VECTORS_PATH.name}")


if __name__ == "__main__":
    main()
