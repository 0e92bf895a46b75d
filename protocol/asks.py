"""An instructor's own question (wire type ``ask`` in both directions).

An observer with the instructor role sends :class:`AskRequest`; the server logs it as
:class:`AskEvent` (observers only) and the interview flow later puts it to the candidate
as a ``question`` of kind ``instructor``, never interrupting an answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from .fields import check_optional_str, check_str, limit_chars, optional, payload_parser, required
from .limits import Limits

# The whitespace both codecs agree on (Python's and JavaScript's notions differ beyond it).
_BLANK = " \t\n\r\f\v"


@dataclass(frozen=True, kw_only=True)
class AskRequest:
    """An instructor's question for the candidate; a data message (carries ``seq``)."""

    TYPE: ClassVar[str] = "ask"
    text: str

    def __post_init__(self) -> None:
        check_str(self.text, "text", non_empty=True)
        if not self.text.strip(_BLANK):
            raise ValueError("text: must not be blank")

    def to_payload(self) -> dict[str, Any]:
        return {"text": self.text}

    @classmethod
    @payload_parser
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        return cls(text=limit_chars(required(d, "text"), "text", limits.max_ask_chars))


@dataclass(frozen=True, kw_only=True)
class AskEvent:
    """An instructor's question as logged, waiting to be asked; ``from_user`` is the wire
    key ``from``. The ``question`` that puts it to the candidate follows in the log."""

    TYPE: ClassVar[str] = "ask"
    from_user: str
    text: str
    name: str | None = None

    def __post_init__(self) -> None:
        check_str(self.from_user, "from", non_empty=True)
        check_str(self.text, "text", non_empty=True)
        check_optional_str(self.name, "name")

    def to_payload(self) -> dict[str, Any]:
        payload = {"from": self.from_user, "text": self.text}
        if self.name is not None:
            payload["name"] = self.name
        return payload

    @classmethod
    @payload_parser
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        return cls(
            from_user=limit_chars(required(d, "from"), "from", limits.max_id_chars),
            text=limit_chars(required(d, "text"), "text", limits.max_ask_chars),
            name=limit_chars(optional(d, "name"), "name", limits.max_name_chars),
        )
