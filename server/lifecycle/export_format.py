"""The interview export format, version 1: pure encoding and validation, no I/O.

A file is a sequence of MessagePack maps, one after another:

1. the header ``{"record": "header", "format": FORMAT, "version": 1, "exported_at": ms,
   "interview": {...}, "questions": [...], "answers": [...], "analyses": [...],
   "recordings": [...]}``;
2. one ``{"record": "event", "seq", "t", "ts", "stream", "client_seq", "d"}`` per logged
   event, in ``seq`` order, ``d`` exactly as stored (audio ``data`` as MessagePack ``bin``);
3. the trailer ``{"record": "end", "events": N}``, so a truncated file is refused.

MessagePack, not JSON Lines: the log's payloads are MessagePack already and audio is
binary, so the file carries both exactly (JSON would need base64, a third larger, and a
typed escape to tell bytes from text). The recordings are not stored a second time: a
recording is exactly its stream's ``audio`` chunks in order, so an import rebuilds the
files and their index from the events; the header's ``recordings`` (size, chunk count,
SHA-256 of the bytes) let the import check that it did.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

import msgpack

from db.models import DIFFICULTIES, INTERVIEW_KINDS, INTERVIEW_STATUSES, PHASES, QUESTION_KINDS
from protocol import ProtocolError, decode_server_frame
from protocol.limits import Limits

FORMAT = "interview-engine/interview"
VERSION = 1
MIME = "application/vnd.interview-engine.interview+msgpack"
EXTENSION = "ieinterview"
# Stored frames may be larger than what one client frame may carry (notes, reports).
_EVENT_LIMITS = Limits(max_frame_bytes=1024 * 1024)


class BadExport(ValueError):
    """The file is not an interview export this version of the engine can import."""


def pack(record: Mapping[str, Any]) -> bytes:
    packed: bytes = msgpack.packb(record, use_bin_type=True, datetime=False)
    return packed


def unpacker(max_record_bytes: int = 8 * 1024 * 1024) -> msgpack.Unpacker:
    """A streaming reader of records: feed it bytes, iterate it for the records."""
    return msgpack.Unpacker(raw=False, max_buffer_size=max_record_bytes, strict_map_key=True)


def event_record(seq: int, kind: str, ts: int, stream: str | None, client_seq: int | None,
                 d: Mapping[str, Any]) -> dict[str, Any]:
    return {"record": "event", "seq": seq, "t": kind, "ts": ts, "stream": stream,
            "client_seq": client_seq, "d": dict(d)}


def end_record(events: int) -> dict[str, Any]:
    return {"record": "end", "events": events}


# ----- reading ------------------------------------------------------------------


def _fail(where: str, problem: str) -> BadExport:
    return BadExport(f"{where}: {problem}")


def _get(record: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str,
         *, optional: bool = False) -> Any:
    value = record.get(key)
    if value is None and optional:
        return None
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise _fail(where, f"{key} has the wrong type")
    if not isinstance(value, kind):
        raise _fail(where, f"{key} is missing or has the wrong type")
    return value


def _uuid(record: Mapping[str, Any], key: str, where: str, *, optional: bool = False) -> uuid.UUID | None:
    raw = _get(record, key, str, where, optional=optional)
    if raw is None:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise _fail(where, f"{key} is not a UUID") from None


def _time(record: Mapping[str, Any], key: str, where: str) -> datetime | None:
    raw = _get(record, key, str, where, optional=True)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise _fail(where, f"{key} is not an ISO 8601 time") from None
    if value.tzinfo is None:
        raise _fail(where, f"{key} has no time zone")
    return value


def _text(record: Mapping[str, Any], key: str, where: str, limit: int, *,
          optional: bool = False) -> str | None:
    value = _get(record, key, str, where, optional=optional)
    if value is not None and len(value) > limit:
        raise _fail(where, f"{key} is longer than {limit} characters")
    return value  # type: ignore[no-any-return]


def _one_of(record: Mapping[str, Any], key: str, values: tuple[str, ...], where: str) -> str:
    value = _get(record, key, str, where)
    if value not in values:
        raise _fail(where, f"{key} must be one of {', '.join(values)}")
    return value  # type: ignore[no-any-return]


def _strings(record: Mapping[str, Any], key: str, where: str) -> list[str]:
    value = record.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(where, f"{key} must be a list of strings")
    return value


@dataclass(frozen=True)
class Header:
    interview: dict[str, Any]
    questions: list[dict[str, Any]]
    answers: list[dict[str, Any]]
    analyses: list[dict[str, Any]]
    recordings: list[dict[str, Any]]


def read_header(record: Any) -> Header:
    """The header, checked field by field; the values come back typed (UUIDs, times)."""
    if not isinstance(record, dict) or record.get("record") != "header":
        raise BadExport("the file does not start with an interview export header")
    if record.get("format") != FORMAT:
        raise BadExport(f"not an interview export (format {record.get('format')!r})")
    if record.get("version") != VERSION:
        raise BadExport(f"export version {record.get('version')!r} is not supported (this "
                        f"engine reads version {VERSION})")
    raw = _get(record, "interview", dict, "header")
    where = "interview"
    interview = {
        "id": _uuid(raw, "id", where),
        "kind": _one_of(raw, "kind", INTERVIEW_KINDS, where),
        "role_title": _text(raw, "role_title", where, 120),
        "difficulty": _one_of(raw, "difficulty", DIFFICULTIES, where),
        "questions_total": _get(raw, "questions_total", int, where),
        "status": _one_of(raw, "status", INTERVIEW_STATUSES, where),
        "phase": _one_of(raw, "phase", PHASES, where),
        "question_idx": _get(raw, "question_idx", int, where),
        "head_seq": _get(raw, "head", int, where),
        "score": _get(raw, "score", (int, float), where, optional=True),
        "plan": _get(raw, "plan", list, where, optional=True),
        "created_at": _time(raw, "created_at", where),
        "started_at": _time(raw, "started_at", where),
        "finished_at": _time(raw, "finished_at", where),
    }
    if not 1 <= interview["questions_total"] <= 20 or interview["head_seq"] < 0:
        raise _fail(where, "questions_total or head is out of range")
    questions = [_question(q, i) for i, q in enumerate(_get(record, "questions", list, "header"))]
    qids = {q["id"] for q in questions}
    for question in questions:
        if question["parent_id"] is not None and question["parent_id"] not in qids:
            raise _fail("questions", f"{question['id']} follows up a question not in the file")
    answers = [_answer(a, i, qids) for i, a in enumerate(_get(record, "answers", list, "header"))]
    answer_ids = {a["id"] for a in answers}
    analyses = [_analysis(a, i, qids, answer_ids)
                for i, a in enumerate(_get(record, "analyses", list, "header"))]
    recordings = [_recording(r, i) for i, r in enumerate(_get(record, "recordings", list, "header"))]
    return Header(interview, questions, answers, analyses, recordings)


def _question(raw: Any, i: int) -> dict[str, Any]:
    where = f"questions[{i}]"
    if not isinstance(raw, dict):
        raise _fail(where, "not a map")
    return {
        "id": _uuid(raw, "qid", where),
        "parent_id": _uuid(raw, "parent_qid", where, optional=True),
        "idx": _get(raw, "idx", int, where),
        "kind": _one_of(raw, "kind", QUESTION_KINDS, where),
        "text": _text(raw, "text", where, 20_000),
        "topic": _text(raw, "topic", where, 120, optional=True),
        "key_points": _strings(raw, "key_points", where),
        "asked_seq": _get(raw, "asked_seq", int, where, optional=True),
        "created_at": _time(raw, "created_at", where),
    }


def _answer(raw: Any, i: int, qids: set[Any]) -> dict[str, Any]:
    where = f"answers[{i}]"
    if not isinstance(raw, dict):
        raise _fail(where, "not a map")
    answer = {
        "id": _uuid(raw, "id", where),
        "question_id": _uuid(raw, "qid", where),
        "transcript": _text(raw, "transcript", where, 200_000),
        "skipped": _get(raw, "skipped", bool, where),
        "started_seq": _get(raw, "started_seq", int, where, optional=True),
        "ended_seq": _get(raw, "ended_seq", int, where, optional=True),
        "started_at": _time(raw, "started_at", where),
        "ended_at": _time(raw, "ended_at", where),
    }
    if answer["question_id"] not in qids:
        raise _fail(where, "answers a question not in the file")
    return answer


def _analysis(raw: Any, i: int, qids: set[Any], answer_ids: set[Any]) -> dict[str, Any]:
    where = f"analyses[{i}]"
    if not isinstance(raw, dict):
        raise _fail(where, "not a map")
    rubric = _get(raw, "rubric", dict, where)
    if not all(isinstance(k, str) and isinstance(v, (int, float)) and not isinstance(v, bool)
               for k, v in rubric.items()):
        raise _fail(where, "rubric must map names to numbers")
    analysis = {
        "question_id": _uuid(raw, "qid", where),
        "answer_id": _uuid(raw, "answer_id", where, optional=True),
        "score": float(_get(raw, "score", (int, float), where)),
        "summary": _text(raw, "summary", where, 20_000),
        "strengths": _strings(raw, "strengths", where),
        "improvements": _strings(raw, "improvements", where),
        "rubric": rubric,
        "source": _text(raw, "source", where, 16),
        "created_seq": _get(raw, "created_seq", int, where, optional=True),
    }
    if not 0 <= analysis["score"] <= 10:
        raise _fail(where, "score must be between 0 and 10")
    if analysis["question_id"] not in qids or (
        analysis["answer_id"] is not None and analysis["answer_id"] not in answer_ids
    ):
        raise _fail(where, "refers to a question or answer not in the file")
    return analysis


def _recording(raw: Any, i: int) -> dict[str, Any]:
    where = f"recordings[{i}]"
    if not isinstance(raw, dict):
        raise _fail(where, "not a map")
    return {
        "stream": _text(raw, "stream", where, 128),
        "size_bytes": _get(raw, "size_bytes", int, where),
        "chunks": _get(raw, "chunks", int, where),
        "sha256": _text(raw, "sha256", where, 64),
    }


@dataclass(frozen=True)
class ImportedEvent:
    seq: int
    kind: str
    ts: int
    stream: str | None
    client_seq: int | None
    d: dict[str, Any]


def read_event(record: Any, after: int, head: int) -> ImportedEvent:
    """One event record, following the event ``after``; its payload is checked by the
    protocol's own decoder, exactly as a client would receive it."""
    where = f"event after #{after}"
    if not isinstance(record, dict) or record.get("record") != "event":
        raise _fail(where, "expected an event record")
    seq = _get(record, "seq", int, where)
    if not after < seq <= head:
        raise _fail(where, f"seq {seq} is out of order or past the head {head}")
    where = f"event #{seq}"
    kind = _get(record, "t", str, where)
    ts = _get(record, "ts", int, where)
    stream = _text(record, "stream", where, 128, optional=True)
    client_seq = _get(record, "client_seq", int, where, optional=True)
    if (stream is None) != (client_seq is None):
        raise _fail(where, "stream and client_seq go together")
    d = _get(record, "d", dict, where)
    wire = dict(d)
    if client_seq is not None and kind in ("state", "transcript", "face", "audio"):
        wire["src_seq"] = client_seq
    try:
        decode_server_frame(pack({"t": kind, "seq": seq, "ts": ts, "d": wire}), _EVENT_LIMITS)
    except ProtocolError as error:
        raise _fail(where, f"{kind} is not a valid logged event ({error.message})") from None
    return ImportedEvent(seq, kind, ts, stream, client_seq, d)


def read_end(record: Any, events: int) -> None:
    if not isinstance(record, dict) or record.get("record") != "end":
        raise BadExport("expected the end record")
    if record.get("events") != events:
        raise BadExport(f"the end record counts {record.get('events')!r} events, the file "
                        f"holds {events}")
