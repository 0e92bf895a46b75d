"""Field checks shared by the message classes.

Construction (``__post_init__``) checks types, ranges and enum members, so a message that
exists is valid whoever built it. Decoding (``from_payload``) adds what only the wire knows:
required versus optional keys and the configurable size limits. Checks raise ``ValueError``;
``payload_parser`` turns that into a ``bad_payload`` :class:`ProtocolError` at decode.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any, ParamSpec, TypeAlias, TypeGuard, TypeVar

from .errors import ErrorCode, ProtocolError

# Every protocol integer fits a signed 64-bit column.
MAX_INT = 2**63 - 1
MIN_INT = -(2**63)
# Free-form structures (report metrics) may nest this deep.
MAX_NESTING = 8

P = ParamSpec("P")
R = TypeVar("R")
E = TypeVar("E", bound=StrEnum)

JsonValue: TypeAlias = (
    bool | int | float | str | tuple["JsonValue", ...] | Mapping[str, "JsonValue"] | None
)


def payload_parser(parse: Callable[P, R]) -> Callable[P, R]:
    """Report a ``ValueError`` raised while decoding a payload as ``bad_payload``."""

    @functools.wraps(parse)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return parse(*args, **kwargs)
        except ValueError as exc:
            raise ProtocolError(ErrorCode.BAD_PAYLOAD, str(exc)) from None

    return wrapper


def set_field(obj: object, name: str, value: object) -> None:
    """Normalise a field of a frozen dataclass during ``__post_init__``."""
    object.__setattr__(obj, name, value)


def is_int(value: object) -> TypeGuard[int]:
    """An integer that is not a bool (``True`` is an ``int`` in Python, never on the wire)."""
    return isinstance(value, int) and not isinstance(value, bool)


def check_int(value: object, name: str, *, minimum: int = 0, maximum: int = MAX_INT) -> None:
    if type(value) is int and minimum <= value <= maximum:
        return
    if not is_int(value):
        raise ValueError(f"{name}: must be an integer, not {_kind(value)}")
    if not minimum <= value <= maximum:
        raise ValueError(f"{name}: must be between {minimum} and {maximum}")


def check_optional_int(value: object, name: str, *, minimum: int = 0) -> None:
    if value is not None:
        check_int(value, name, minimum=minimum)


def check_number(
    value: object, name: str, *, minimum: float | None = None, maximum: float | None = None
) -> None:
    # Fast path for the common case (face frames arrive 15 times a second per candidate):
    # NaN fails every comparison and infinities fail the range, so both take the slow path.
    kind = type(value)
    if (
        (kind is float or kind is int)
        and minimum is not None
        and maximum is not None
        and minimum <= value <= maximum  # type: ignore[operator]
    ):
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name}: must be a number, not {_kind(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{name}: must be finite")
    if isinstance(value, int) and not MIN_INT <= value <= MAX_INT:
        raise ValueError(f"{name}: out of range")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"{name}: must be between {minimum} and {maximum}")


def check_optional_number(
    value: object, name: str, *, minimum: float | None = None, maximum: float | None = None
) -> None:
    if value is not None:
        check_number(value, name, minimum=minimum, maximum=maximum)


def check_bool(value: object, name: str) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{name}: must be a boolean, not {_kind(value)}")


def check_str(value: object, name: str, *, non_empty: bool = False) -> None:
    if not isinstance(value, str):
        raise ValueError(f"{name}: must be a string, not {_kind(value)}")
    if non_empty and not value:
        raise ValueError(f"{name}: must not be empty")


def check_optional_str(value: object, name: str, *, non_empty: bool = False) -> None:
    if value is not None:
        check_str(value, name, non_empty=non_empty)


def check_str_tuple(value: object, name: str) -> None:
    if not isinstance(value, tuple):
        raise ValueError(f"{name}: must be a tuple of strings, not {_kind(value)}")
    for i, item in enumerate(value):
        check_str(item, f"{name}[{i}]")


def check_tuple_of(value: object, name: str, item_type: type) -> None:
    if not isinstance(value, tuple):
        raise ValueError(f"{name}: must be a tuple, not {_kind(value)}")
    for i, item in enumerate(value):
        if not isinstance(item, item_type):
            raise ValueError(f"{name}[{i}]: must be a {item_type.__name__}, not {_kind(item)}")


def coerce_enum(enum: type[E], value: object, name: str) -> E:
    """The member of ``enum`` named by ``value`` (a member or its string value)."""
    if isinstance(value, str):
        try:
            return enum(value)
        except ValueError:
            pass
    choices = ", ".join(repr(member.value) for member in enum)
    raise ValueError(f"{name}: must be one of {choices}")


def coerce_optional_enum(enum: type[E], value: object, name: str) -> E | None:
    return None if value is None else coerce_enum(enum, value, name)


def freeze_number_map(value: object, name: str, *, minimum: float, maximum: float) -> object:
    """A read-only copy of a ``{str: number}`` mapping, each number within the range."""
    if not isinstance(value, Mapping):
        raise ValueError(f"{name}: must be a map, not {_kind(value)}")
    for key, number in value.items():
        check_str(key, f"{name} key", non_empty=True)
        check_number(number, f"{name}[{key!r}]", minimum=minimum, maximum=maximum)
    return MappingProxyType(dict(value))


def freeze_json(value: object, name: str, depth: int = 0) -> JsonValue:
    """A read-only copy of a free-form value: maps with string keys, lists, scalars."""
    if depth > MAX_NESTING:
        raise ValueError(f"{name}: nested deeper than {MAX_NESTING} levels")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        check_number(value, name)
        return value
    if isinstance(value, (list, tuple)):
        return tuple(freeze_json(item, f"{name}[{i}]", depth + 1) for i, item in enumerate(value))
    if isinstance(value, Mapping):
        frozen: dict[str, JsonValue] = {}
        for key, item in value.items():
            check_str(key, f"{name} key")
            frozen[key] = freeze_json(item, f"{name}.{key}", depth + 1)
        return MappingProxyType(frozen)
    raise ValueError(f"{name}: unsupported value {_kind(value)}")


def thaw_json(value: JsonValue) -> Any:
    """The plain lists and dicts MessagePack can encode."""
    if isinstance(value, tuple):
        return [thaw_json(item) for item in value]
    if isinstance(value, Mapping):
        return {key: thaw_json(item) for key, item in value.items()}
    return value


# Decoding helpers: presence and configured limits. Types are checked on construction.


def required(d: Mapping[str, Any], key: str) -> Any:
    if key not in d or d[key] is None:
        raise ValueError(f"{key}: required")
    return d[key]


def optional(d: Mapping[str, Any], key: str) -> Any:
    """An optional field; ``nil`` counts as absent (JavaScript encoders emit it for undefined)."""
    return d.get(key)


def limit_chars(value: Any, name: str, limit: int) -> Any:
    if isinstance(value, str) and len(value) > limit:
        raise ValueError(f"{name}: longer than {limit} characters")
    return value


def limit_bytes(value: Any, name: str, limit: int) -> Any:
    if isinstance(value, bytes) and len(value) > limit:
        raise ValueError(f"{name}: longer than {limit} bytes")
    return value


def list_items(value: object, name: str, limit: int) -> list[Any]:
    if type(value) is not list:
        raise ValueError(f"{name}: must be a list, not {_kind(value)}")
    if len(value) > limit:
        raise ValueError(f"{name}: more than {limit} items")
    return value


def map_items(value: object, name: str, limit: int) -> dict[str, Any]:
    if type(value) is not dict:
        raise ValueError(f"{name}: must be a map, not {_kind(value)}")
    if len(value) > limit:
        raise ValueError(f"{name}: more than {limit} entries")
    return value


def str_tuple(value: object, name: str, *, max_items: int, max_chars: int) -> tuple[Any, ...]:
    items = list_items(value, name, max_items)
    for i, item in enumerate(items):
        limit_chars(item, f"{name}[{i}]", max_chars)
    return tuple(items)


def _kind(value: object) -> str:
    return type(value).__name__
