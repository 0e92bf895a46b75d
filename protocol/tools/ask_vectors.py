"""Test vectors of the ``ask`` extension (an instructor's own question), kept apart from
the core vectors in :mod:`protocol.tools.make_vectors`, which includes them."""

from __future__ import annotations

from typing import Any

import msgpack

from protocol.asks import AskEvent, AskRequest
from protocol.enums import QuestionKind
from protocol.events import Question
from protocol.messages import Message

TS = 1_764_316_800_000


def _pack(frame: Any) -> bytes:
    packed: bytes = msgpack.packb(frame, use_bin_type=True)
    return packed


def client_valid() -> list[tuple[str, Message, int | None]]:
    return [("ask", AskRequest(text="How would you test this?"), 2)]


def server_valid() -> list[tuple[str, Message, int | None]]:
    return [
        ("ask", AskEvent(from_user="u7", name="Dana", text="How would you test this?"), 54),
        ("ask without name", AskEvent(from_user="u7", text="Why?"), 55),
        (
            "question from an instructor",
            Question(
                qid="q2i",
                idx=2,
                kind=QuestionKind.INSTRUCTOR,
                text="How would you test this?",
                parent_qid="q2",
                from_user="u7",
                name="Dana",
            ),
            54,
        ),
    ]


def client_invalid() -> list[tuple[str, bytes, str]]:
    return [
        ("ask empty", _pack({"t": "ask", "seq": 1, "d": {"text": ""}}), "bad_payload"),
        ("ask blank", _pack({"t": "ask", "seq": 1, "d": {"text": " \t\n "}}), "bad_payload"),
        ("ask too long", _pack({"t": "ask", "seq": 1, "d": {"text": "q" * 1001}}), "bad_payload"),
        ("ask without seq", _pack({"t": "ask", "d": {"text": "Why?"}}), "bad_frame"),
        ("ask text not a string", _pack({"t": "ask", "seq": 1, "d": {"text": 5}}), "bad_payload"),
    ]


def server_invalid() -> list[tuple[str, bytes, str]]:
    return [
        (
            "ask without from",
            _pack({"t": "ask", "seq": 3, "ts": TS, "d": {"text": "Why?"}}),
            "bad_payload",
        ),
        (
            "question with empty from",
            _pack(
                {
                    "t": "question",
                    "seq": 3,
                    "ts": TS,
                    "d": {"qid": "q", "idx": 1, "kind": "instructor", "text": "Why?", "from": ""},
                }
            ),
            "bad_payload",
        ),
    ]
