"""Logged events the server emits: each carries the interview's event-log ``seq`` and ``ts``.

The candidate's own messages, relayed to observers, are in :mod:`protocol.relayed`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from .enums import FeedbackLevel, InterviewPhase, NoteTarget, QuestionKind
from .fields import (
    check_bool,
    check_int,
    check_number,
    check_optional_int,
    check_optional_number,
    check_optional_str,
    check_str,
    check_str_tuple,
    check_tuple_of,
    coerce_enum,
    freeze_json,
    freeze_number_map,
    limit_chars,
    list_items,
    map_items,
    optional,
    payload_parser,
    required,
    set_field,
    str_tuple,
    thaw_json,
)
from .limits import Limits

MAX_SCORE = 10


@dataclass(frozen=True, kw_only=True)
class Phase:
    """The interview entered ``phase`` (for a question: its ``qid`` and index)."""

    TYPE: ClassVar[str] = "phase"
    phase: InterviewPhase
    qid: str | None = None
    idx: int | None = None
    # Extension: the candidate paused the interview in this phase.
    paused: bool = False

    def __post_init__(self) -> None:
        set_field(self, "phase", coerce_enum(InterviewPhase, self.phase, "phase"))
        check_optional_str(self.qid, "qid", non_empty=True)
        check_optional_int(self.idx, "idx")
        check_bool(self.paused, "paused")

    def to_payload(self) -> dict[str, Any]:
        d: dict[str, Any] = {"phase": self.phase.value}
        if self.qid is not None:
            d["qid"] = self.qid
        if self.idx is not None:
            d["idx"] = self.idx
        if self.paused:
            d["paused"] = True
        return d

    @classmethod
    @payload_parser
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        return cls(
            phase=required(d, "phase"),
            qid=limit_chars(optional(d, "qid"), "qid", limits.max_id_chars),
            idx=optional(d, "idx"),
            paused=False if optional(d, "paused") is None else d["paused"],
        )


@dataclass(frozen=True, kw_only=True)
class Question:
    """A question put to the candidate (a follow-up names its ``parent_qid``)."""

    TYPE: ClassVar[str] = "question"
    qid: str
    idx: int
    kind: QuestionKind
    text: str
    parent_qid: str | None = None
    # Extension: a coding question, answered with the code pad as well as aloud.
    coding: bool = False

    def __post_init__(self) -> None:
        check_str(self.qid, "qid", non_empty=True)
        check_int(self.idx, "idx")
        set_field(self, "kind", coerce_enum(QuestionKind, self.kind, "kind"))
        check_str(self.text, "text", non_empty=True)
        check_optional_str(self.parent_qid, "parent_qid", non_empty=True)
        check_bool(self.coding, "coding")

    def to_payload(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "qid": self.qid,
            "idx": self.idx,
            "kind": self.kind.value,
            "text": self.text,
        }
        if self.parent_qid is not None:
            d["parent_qid"] = self.parent_qid
        if self.coding:
            d["coding"] = True
        return d

    @classmethod
    @payload_parser
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        return cls(
            qid=limit_chars(required(d, "qid"), "qid", limits.max_id_chars),
            idx=required(d, "idx"),
            kind=required(d, "kind"),
            text=limit_chars(required(d, "text"), "text", limits.max_text_chars),
            parent_qid=limit_chars(optional(d, "parent_qid"), "parent_qid", limits.max_id_chars),
            coding=False if optional(d, "coding") is None else d["coding"],
        )


@dataclass(frozen=True, kw_only=True)
class Feedback:
    """A live coaching nudge. ``kind`` is open (see :class:`~protocol.enums.FeedbackKind`
    for the named ones); ``value`` is the measurement behind it, if any."""

    TYPE: ClassVar[str] = "feedback"
    fid: str
    qid: str | None = None
    kind: str
    level: FeedbackLevel
    message: str
    value: float | None = None

    def __post_init__(self) -> None:
        check_str(self.fid, "fid", non_empty=True)
        check_optional_str(self.qid, "qid", non_empty=True)
        check_str(self.kind, "kind", non_empty=True)
        set_field(self, "kind", str(self.kind))
        set_field(self, "level", coerce_enum(FeedbackLevel, self.level, "level"))
        check_str(self.message, "message")
        check_optional_number(self.value, "value")

    def to_payload(self) -> dict[str, Any]:
        d: dict[str, Any] = {"fid": self.fid}
        if self.qid is not None:
            d["qid"] = self.qid
        d.update(kind=self.kind, level=self.level.value, message=self.message)
        if self.value is not None:
            d["value"] = self.value
        return d

    @classmethod
    @payload_parser
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        return cls(
            fid=limit_chars(required(d, "fid"), "fid", limits.max_id_chars),
            qid=limit_chars(optional(d, "qid"), "qid", limits.max_id_chars),
            kind=limit_chars(required(d, "kind"), "kind", limits.max_label_chars),
            level=required(d, "level"),
            message=limit_chars(required(d, "message"), "message", limits.max_text_chars),
            value=optional(d, "value"),
        )


@dataclass(frozen=True, kw_only=True)
class Analysis:
    """The assessment of one answer; scores are numbers from 0 to 10. Every ``answer_end``
    is followed by one, an empty answer included."""

    TYPE: ClassVar[str] = "analysis"
    qid: str
    score: float
    summary: str
    strengths: tuple[str, ...] = ()
    improvements: tuple[str, ...] = ()
    rubric: Mapping[str, float]

    def __post_init__(self) -> None:
        check_str(self.qid, "qid", non_empty=True)
        check_number(self.score, "score", minimum=0, maximum=MAX_SCORE)
        check_str(self.summary, "summary")
        check_str_tuple(self.strengths, "strengths")
        check_str_tuple(self.improvements, "improvements")
        rubric = freeze_number_map(self.rubric, "rubric", minimum=0, maximum=MAX_SCORE)
        set_field(self, "rubric", rubric)

    def to_payload(self) -> dict[str, Any]:
        return {
            "qid": self.qid,
            "score": self.score,
            "summary": self.summary,
            "strengths": list(self.strengths),
            "improvements": list(self.improvements),
            "rubric": dict(self.rubric),
        }

    @classmethod
    @payload_parser
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        rubric = map_items(required(d, "rubric"), "rubric", limits.max_items)
        for name in rubric:
            limit_chars(name, "rubric key", limits.max_label_chars)
        return cls(
            qid=limit_chars(required(d, "qid"), "qid", limits.max_id_chars),
            score=required(d, "score"),
            summary=limit_chars(required(d, "summary"), "summary", limits.max_text_chars),
            strengths=_texts(d, "strengths", limits),
            improvements=_texts(d, "improvements", limits),
            rubric=rubric,
        )


@dataclass(frozen=True, kw_only=True)
class QuestionScore:
    """One row of a report's ``per_question``."""

    qid: str
    score: float

    def __post_init__(self) -> None:
        check_str(self.qid, "qid", non_empty=True)
        check_number(self.score, "score", minimum=0, maximum=MAX_SCORE)

    def to_payload(self) -> dict[str, Any]:
        return {"qid": self.qid, "score": self.score}

    @classmethod
    @payload_parser
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        return cls(
            qid=limit_chars(required(d, "qid"), "qid", limits.max_id_chars),
            score=required(d, "score"),
        )


@dataclass(frozen=True, kw_only=True)
class Report:
    """The final report, sent once when the interview finishes. ``metrics`` is free-form:
    string keys; values are strings, finite numbers, booleans, nil, lists and maps."""

    TYPE: ClassVar[str] = "report"
    score: float
    summary: str
    per_question: tuple[QuestionScore, ...]
    metrics: Mapping[str, Any]

    def __post_init__(self) -> None:
        check_number(self.score, "score", minimum=0, maximum=MAX_SCORE)
        check_str(self.summary, "summary")
        check_tuple_of(self.per_question, "per_question", QuestionScore)
        if not isinstance(self.metrics, Mapping):
            raise ValueError(f"metrics: must be a map, not {type(self.metrics).__name__}")
        set_field(self, "metrics", freeze_json(self.metrics, "metrics"))

    def to_payload(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "summary": self.summary,
            "per_question": [row.to_payload() for row in self.per_question],
            "metrics": thaw_json(self.metrics),
        }

    @classmethod
    @payload_parser
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        rows = list_items(required(d, "per_question"), "per_question", limits.max_items)
        per_question = tuple(
            QuestionScore.from_payload(
                map_items(row, f"per_question[{i}]", limits.max_items), limits
            )
            for i, row in enumerate(rows)
        )
        return cls(
            score=required(d, "score"),
            summary=limit_chars(required(d, "summary"), "summary", limits.max_text_chars),
            per_question=per_question,
            metrics=map_items(required(d, "metrics"), "metrics", limits.max_items),
        )


@dataclass(frozen=True, kw_only=True)
class NoteEvent:
    """An instructor's note as logged; ``from_user`` is the wire key ``from``."""

    TYPE: ClassVar[str] = "note"
    from_user: str
    text: str
    to: NoteTarget
    # Extension: the instructor's display name.
    name: str | None = None

    def __post_init__(self) -> None:
        check_str(self.from_user, "from", non_empty=True)
        check_str(self.text, "text", non_empty=True)
        check_optional_str(self.name, "name")
        set_field(self, "to", coerce_enum(NoteTarget, self.to, "to"))

    def to_payload(self) -> dict[str, Any]:
        payload = {"from": self.from_user, "text": self.text, "to": self.to.value}
        if self.name is not None:
            payload["name"] = self.name
        return payload

    @classmethod
    @payload_parser
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        return cls(
            from_user=limit_chars(required(d, "from"), "from", limits.max_id_chars),
            text=limit_chars(required(d, "text"), "text", limits.max_note_chars),
            to=required(d, "to"),
            name=limit_chars(optional(d, "name"), "name", limits.max_name_chars),
        )


def _texts(d: Mapping[str, Any], key: str, limits: Limits) -> tuple[Any, ...]:
    return str_tuple(
        required(d, key), key, max_items=limits.max_items, max_chars=limits.max_text_chars
    )
