"""The envelope around every message: type, optional ``seq`` and ``ts``, payload."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from .fields import check_optional_int
from .messages import LOGGED_EVENT_CLASSES, SEQUENCED_CLASSES, Message

M = TypeVar("M", bound=Message, covariant=True)


@dataclass(frozen=True)
class Envelope(Generic[M]):
    """A decoded frame, or one to encode.

    Data messages (client → server) and logged events (server → client) carry ``seq``;
    control messages never do. Logged events also carry ``ts``, the server's time.
    """

    message: M
    seq: int | None = None
    ts: int | None = None

    def __post_init__(self) -> None:
        check_optional_int(self.seq, "seq", minimum=1)
        check_optional_int(self.ts, "ts")
        t = self.message.TYPE
        if type(self.message) in SEQUENCED_CLASSES:
            if self.seq is None:
                raise ValueError(f"seq: required on {t!r}")
        elif self.seq is not None:
            raise ValueError(f"seq: {t!r} is a control message and carries no seq")
        if self.ts is None and type(self.message) in LOGGED_EVENT_CLASSES:
            raise ValueError(f"ts: required on the logged event {t!r}")

    @property
    def t(self) -> str:
        return self.message.TYPE
