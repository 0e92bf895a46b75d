"""WebSocket close codes used by the live interview protocol."""

from __future__ import annotations

from enum import IntEnum


class CloseCode(IntEnum):
    GOING_AWAY = 1001
    TEXT_FRAME = 1003
    POLICY = 1008
    TOO_LARGE = 1009
    INTERNAL = 1011
    NOT_AUTHENTICATED = 4001
    NO_HELLO = 4002
    FORBIDDEN = 4003
    NOT_FOUND = 4004
    RATE_LIMITED = 4008
    SUPERSEDED = 4009
    TOO_FAR_BEHIND = 4010
