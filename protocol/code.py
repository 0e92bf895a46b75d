"""The candidate's code pad: ``code`` snapshots and their relayed form.

A coding question (a ``question`` event with ``coding: true``) opens a code pad in the room;
its whole content is sent as a snapshot, debounced, each replacing the one before for that
question. Observers receive it like the other candidate frames, with ``src_seq`` added.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Self

from .fields import (
    check_int,
    check_optional_str,
    check_str,
    coerce_enum,
    limit_chars,
    optional,
    payload_parser,
    required,
    set_field,
)
from .limits import Limits


class CodeLanguage(StrEnum):
    PYTHON = "python"
    JAVASCRIPT = "javascript"


def check_code_text(text: object, limit_bytes: int) -> None:
    """The pad's text: a string of at most ``limit_bytes`` bytes in UTF-8 (may be empty)."""
    check_str(text, "text")
    assert isinstance(text, str)
    # A character takes at most 4 bytes: only long texts need encoding to be measured.
    if 4 * len(text) > limit_bytes and len(text.encode("utf-8", "surrogatepass")) > limit_bytes:
        raise ValueError(f"text: longer than {limit_bytes} bytes in UTF-8")


@dataclass(frozen=True, kw_only=True)
class Code:
    """A snapshot of the code pad: its whole ``text`` in language ``lang``, written for the
    question ``qid`` (the current question when absent)."""

    TYPE: ClassVar[str] = "code"
    text: str
    lang: CodeLanguage
    qid: str | None = None

    def __post_init__(self) -> None:
        check_str(self.text, "text")
        set_field(self, "lang", coerce_enum(CodeLanguage, self.lang, "lang"))
        check_optional_str(self.qid, "qid", non_empty=True)

    def to_payload(self) -> dict[str, Any]:
        d: dict[str, Any] = {"text": self.text, "lang": self.lang.value}
        if self.qid is not None:
            d["qid"] = self.qid
        return d

    @classmethod
    @payload_parser
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        text = required(d, "text")
        check_code_text(text, limits.max_code_bytes)
        return cls(
            text=text,
            lang=required(d, "lang"),
            qid=limit_chars(optional(d, "qid"), "qid", limits.max_id_chars),
        )


@dataclass(frozen=True, kw_only=True)
class RelayedCode:
    """``code`` as observers receive it: the stored snapshot with ``src_seq``."""

    TYPE: ClassVar[str] = "code"
    message: Code
    src_seq: int

    def __post_init__(self) -> None:
        if type(self.message) is not Code:
            raise ValueError(f"message: must be a Code, not {type(self.message).__name__}")
        check_int(self.src_seq, "src_seq", minimum=1)

    def to_payload(self) -> dict[str, Any]:
        return {**self.message.to_payload(), "src_seq": self.src_seq}

    @classmethod
    @payload_parser
    def from_payload(cls, d: Mapping[str, Any], limits: Limits) -> Self:
        return cls(message=Code.from_payload(d, limits), src_seq=required(d, "src_seq"))
