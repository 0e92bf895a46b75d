"""The ``ask`` extension: an instructor's question, as a request and as a logged event."""

from __future__ import annotations

import msgpack
import pytest

from protocol import (
    AskEvent,
    AskRequest,
    ErrorCode,
    Limits,
    ProtocolError,
    Question,
    QuestionKind,
    decode_client_frame,
    decode_server_frame,
    encode,
)


def test_a_request_round_trips_as_a_data_message() -> None:
    frame = encode(AskRequest(text="Why Postgres?"), seq=3)
    envelope = decode_client_frame(frame)
    assert envelope.message == AskRequest(text="Why Postgres?")
    assert envelope.seq == 3


def test_the_logged_event_round_trips_and_is_not_the_request() -> None:
    event = AskEvent(from_user="u1", name="Dana", text="Why Postgres?")
    envelope = decode_server_frame(encode(event, seq=9, ts=1))
    assert envelope.message == event
    assert envelope.message.to_payload() == {"from": "u1", "name": "Dana", "text": "Why Postgres?"}


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_an_empty_or_blank_question_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        AskRequest(text=text)
    frame = msgpack.packb({"t": "ask", "seq": 1, "d": {"text": text}})
    with pytest.raises(ProtocolError) as caught:
        decode_client_frame(frame)
    assert caught.value.code is ErrorCode.BAD_PAYLOAD
    assert caught.value.ref == 1


def test_the_length_limit_is_configurable() -> None:
    frame = encode(AskRequest(text="x" * 11), seq=1)
    assert decode_client_frame(frame).message == AskRequest(text="x" * 11)
    with pytest.raises(ProtocolError) as caught:
        decode_client_frame(frame, Limits(max_ask_chars=10))
    assert "text" in caught.value.message


def test_an_instructor_question_names_who_asked_it() -> None:
    question = Question(
        qid="i1", idx=2, kind=QuestionKind.INSTRUCTOR, text="Why?", parent_qid="q2",
        from_user="u1", name="Dana",
    )
    payload = question.to_payload()
    assert payload["from"] == "u1" and payload["name"] == "Dana"
    assert decode_server_frame(encode(question, seq=4, ts=1)).message == question
    plain = Question(qid="q1", idx=1, kind=QuestionKind.MAIN, text="Why?")
    assert "from" not in plain.to_payload() and "name" not in plain.to_payload()
