"""Control messages the server sends: not logged, no ``seq``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from .enums import InterviewKind, InterviewPhase
from .errors import ErrorCode, ProtocolError
from .fields import (
    check_bool,
    check_int,
    check_optional_int,
    check_str,
    check_tuple_of,
    coerce_enum,
    is_int,
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
class InterviewSummary:
    """The interview as ``welcome`` describes it."""

    id: str
    status: str
    phase: InterviewPhase
    kind: InterviewKind
    role_title: str
    question_idx: int
    questions_total: int

    def __post_init__(self) -> None:
        check_str(self.id, "interview.id", non_empty=True)
        check_str(self.status, "interview.status", non_empty=True)
        set_field(self, "phase", coerce_enum(InterviewPhase, self.phase, "interview.phase"))
        set_field(self, "kind", coerce_enum(InterviewKind, self.kind, "interview.kind"))
        check_str(self.role_title, "interview.role_title")
        check_int(self.question_idx, "interview.question_idx")
        check_int(self.questions_total, "interview.questions_total")

    def to_payload(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "phase": self.phase.value,
            "kind": self.kind.value,
            "role_title": self.role_title,
            "question_idx": self.question_idx,
            "questions_total": self.questions_total,
        }

    @classmethod
    @payload_parser
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        return cls(
            id=limit_chars(required(d, "id"), "interview.id", limits.max_id_chars),
            status=limit_chars(required(d, "status"), "interview.status", limits.max_label_chars),
            phase=required(d, "phase"),
            kind=required(d, "kind"),
            role_title=limit_chars(
                required(d, "role_title"), "interview.role_title", limits.max_name_chars
            ),
            question_idx=required(d, "question_idx"),
            questions_total=required(d, "questions_total"),
        )


@dataclass(frozen=True, kw_only=True)
class Welcome:
    """The reply to ``hello``: the interview, the stream's ``acked`` seq and the log ``head``."""

    TYPE: ClassVar[str] = "welcome"
    v: int = PROTOCOL_VERSION
    interview: InterviewSummary
    acked: int
    head: int
    server_time: int

    def __post_init__(self) -> None:
        if not is_int(self.v) or self.v != PROTOCOL_VERSION:
            raise ValueError(
                f"v: unsupported protocol version (this client speaks {PROTOCOL_VERSION})"
            )
        if not isinstance(self.interview, InterviewSummary):
            raise ValueError("interview: must be an InterviewSummary")
        check_int(self.acked, "acked")
        check_int(self.head, "head")
        check_int(self.server_time, "server_time")

    def to_payload(self) -> dict[str, Any]:
        return {
            "v": self.v,
            "interview": self.interview.to_payload(),
            "acked": self.acked,
            "head": self.head,
            "server_time": self.server_time,
        }

    @classmethod
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        # A client cannot follow a server that speaks another version: fatal.
        try:
            v = required(d, "v")
            if not is_int(v) or v != PROTOCOL_VERSION:
                raise ValueError(f"v: unsupported protocol version {v!r}"[:80])
            interview = map_items(required(d, "interview"), "interview", limits.max_items)
            return cls(
                v=v,
                interview=InterviewSummary.from_payload(interview, limits),
                acked=required(d, "acked"),
                head=required(d, "head"),
                server_time=required(d, "server_time"),
            )
        except ValueError as exc:
            raise ProtocolError(ErrorCode.BAD_PAYLOAD, str(exc), fatal=True) from None
        except ProtocolError as exc:
            raise ProtocolError(exc.code, exc.message, fatal=True) from None


@dataclass(frozen=True, kw_only=True)
class Ack:
    """Every client ``seq`` up to ``upto`` of this stream is committed."""

    TYPE: ClassVar[str] = "ack"
    upto: int

    def __post_init__(self) -> None:
        check_int(self.upto, "upto")

    def to_payload(self) -> dict[str, Any]:
        return {"upto": self.upto}

    @classmethod
    @payload_parser
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        return cls(upto=required(d, "upto"))


@dataclass(frozen=True, kw_only=True)
class QuestionDelta:
    """A streamed piece of a question being generated; the full text follows as ``question``."""

    TYPE: ClassVar[str] = "question.delta"
    qid: str
    text: str

    def __post_init__(self) -> None:
        check_str(self.qid, "qid", non_empty=True)
        check_str(self.text, "text")

    def to_payload(self) -> dict[str, Any]:
        return {"qid": self.qid, "text": self.text}

    @classmethod
    @payload_parser
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        return cls(
            qid=limit_chars(required(d, "qid"), "qid", limits.max_id_chars),
            text=limit_chars(required(d, "text"), "text", limits.max_text_chars),
        )


@dataclass(frozen=True, kw_only=True)
class ObserverInfo:
    """One connected observer: user id and display name."""

    user: str
    name: str

    def __post_init__(self) -> None:
        check_str(self.user, "user", non_empty=True)
        check_str(self.name, "name")

    def to_payload(self) -> dict[str, Any]:
        return {"user": self.user, "name": self.name}

    @classmethod
    @payload_parser
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        return cls(
            user=limit_chars(required(d, "user"), "user", limits.max_id_chars),
            name=limit_chars(required(d, "name"), "name", limits.max_name_chars),
        )


@dataclass(frozen=True, kw_only=True)
class Presence:
    """The observers currently connected to the interview."""

    TYPE: ClassVar[str] = "presence"
    observers: tuple[ObserverInfo, ...]

    def __post_init__(self) -> None:
        check_tuple_of(self.observers, "observers", ObserverInfo)

    def to_payload(self) -> dict[str, Any]:
        return {"observers": [observer.to_payload() for observer in self.observers]}

    @classmethod
    @payload_parser
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        items = list_items(required(d, "observers"), "observers", limits.max_items)
        return cls(
            observers=tuple(
                ObserverInfo.from_payload(
                    map_items(item, f"observers[{i}]", limits.max_items), limits
                )
                for i, item in enumerate(items)
            )
        )


@dataclass(frozen=True, kw_only=True)
class Pong:
    """The answer to ``ping``."""

    TYPE: ClassVar[str] = "pong"

    def to_payload(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        return cls()


@dataclass(frozen=True, kw_only=True)
class Error:
    """A rejected frame or request. ``ref`` is the client ``seq`` it concerns; for
    ``seq_gap``, ``expected`` is the ``seq`` the server expects next. ``fatal`` errors are
    followed by closing the socket."""

    TYPE: ClassVar[str] = "error"
    code: ErrorCode
    message: str
    ref: int | None = None
    fatal: bool = False
    expected: int | None = None

    def __post_init__(self) -> None:
        set_field(self, "code", coerce_enum(ErrorCode, self.code, "code"))
        check_str(self.message, "message")
        check_optional_int(self.ref, "ref", minimum=1)
        check_bool(self.fatal, "fatal")
        check_optional_int(self.expected, "expected", minimum=1)

    def to_payload(self) -> dict[str, Any]:
        d: dict[str, Any] = {"code": self.code.value, "message": self.message}
        if self.ref is not None:
            d["ref"] = self.ref
        d["fatal"] = self.fatal
        if self.expected is not None:
            d["expected"] = self.expected
        return d

    @classmethod
    @payload_parser
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        return cls(
            code=required(d, "code"),
            message=limit_chars(required(d, "message"), "message", limits.max_text_chars),
            ref=optional(d, "ref"),
            fatal=required(d, "fatal"),
            expected=optional(d, "expected"),
        )
