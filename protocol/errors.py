"""Error codes carried by ``error`` messages and the exception the codec raises."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from .close_codes import CloseCode

if TYPE_CHECKING:
    from .server_control import Error

# An error message may quote client input; this keeps an ``error`` frame small.
MAX_ERROR_MESSAGE_CHARS = 500


class ErrorCode(StrEnum):
    BAD_FRAME = "bad_frame"
    BAD_PAYLOAD = "bad_payload"
    UNKNOWN_TYPE = "unknown_type"
    SEQ_GAP = "seq_gap"
    FORBIDDEN = "forbidden"
    RATE_LIMITED = "rate_limited"
    CONFLICT = "conflict"
    UNAVAILABLE = "unavailable"
    INTERNAL = "internal"


class ProtocolError(Exception):
    """A frame or message the protocol rejects.

    ``ref`` is the offending client ``seq`` when known. ``fatal`` errors end the connection;
    ``close_code`` is then the code to close with.
    """

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        ref: int | None = None,
        fatal: bool = False,
        close_code: CloseCode | None = None,
    ) -> None:
        message = message[:MAX_ERROR_MESSAGE_CHARS]
        super().__init__(message)
        self.code = code
        self.message = message
        self.ref = ref
        self.fatal = fatal
        self.close_code = close_code if close_code is not None or not fatal else CloseCode.POLICY

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code.value!r}, message={self.message!r}, "
            f"ref={self.ref!r}, fatal={self.fatal!r})"
        )

    def to_error(self) -> Error:
        """The ``error`` message that reports this failure to the peer."""
        # Imported here because the message module itself depends on ErrorCode.
        from .server_control import Error

        return Error(code=self.code, message=self.message, ref=self.ref, fatal=self.fatal)


class FrameTooLarge(ProtocolError):
    """A frame longer than the configured maximum; the socket is closed with 1009."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            ErrorCode.BAD_FRAME,
            f"frame of {size} bytes exceeds the limit of {limit} bytes",
            fatal=True,
            close_code=CloseCode.TOO_LARGE,
        )
        self.size = size
        self.limit = limit
