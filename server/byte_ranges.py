"""The ``Range`` request header for byte ranges (RFC 9110, section 14), decided without I/O.

:func:`select_ranges` turns a header and a representation's length into what to send: the
whole representation (the header is absent, uses another unit, is malformed, or asks for
more pieces than is reasonable: the RFC lets a server ignore it then), the satisfiable
ranges, sorted and with overlapping or adjacent ones merged, or :class:`Unsatisfiable`
(answered with 416 and ``Content-Range: bytes */<length>``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# More range-specs than this in one header is treated as abuse (many small or overlapping
# ranges cost the server far more than the client) and the header is ignored.
MAX_RANGE_SPECS = 16

_SPEC = re.compile(r"(?:(?P<first>[0-9]+)-(?P<last>[0-9]*)|-(?P<suffix>[0-9]+))")
# Whitespace the HTTP grammar allows around list elements (OWS: spaces and tabs).
_OWS = " \t"


@dataclass(frozen=True)
class ByteRange:
    """Bytes ``start`` up to, not including, ``stop``; never empty."""

    start: int
    stop: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.stop:
            raise ValueError(f"not a byte range: {self.start}..{self.stop}")

    @property
    def length(self) -> int:
        return self.stop - self.start

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.stop - 1}/{size}"


class Unsatisfiable(Exception):
    """No requested range overlaps the representation: 416."""


def select_ranges(header: str | None, size: int) -> list[ByteRange] | None:
    """``None`` to send the whole representation, else the ranges to send (at least one).

    Raises :class:`Unsatisfiable` when the header is valid but no range in it can be served.
    """
    specs = _parse(header) if header is not None else None
    if specs is None:
        return None
    ranges: list[ByteRange] = []
    for first, last, suffix in specs:
        if suffix is not None:
            if suffix > 0 and size > 0:
                ranges.append(ByteRange(max(size - suffix, 0), size))
            elif suffix > 0:
                # A non-empty suffix of an empty representation is satisfiable, yet no
                # Content-Range can describe zero bytes: send the (empty) whole.
                return None
        elif first < size:
            ranges.append(ByteRange(first, size if last is None else min(last + 1, size)))
    if not ranges:
        raise Unsatisfiable(f"bytes */{size}")
    return _merge(ranges)


def _parse(header: str) -> list[tuple[int, int | None, int | None]] | None:
    """The header's range-specs as (first, last, suffix); ``None`` if it is not a valid
    ``bytes`` ranges-specifier (or has too many specs)."""
    unit, equals, range_set = header.partition("=")
    if not equals or unit.strip(_OWS).lower() != "bytes":
        return None
    specs: list[tuple[int, int | None, int | None]] = []
    for element in range_set.split(","):
        element = element.strip(_OWS)
        if not element:
            continue  # the list syntax (#rule) tolerates empty elements
        match = _SPEC.fullmatch(element)
        if match is None:
            return None
        if match["suffix"] is not None:
            specs.append((0, None, int(match["suffix"])))
            continue
        first = int(match["first"])
        last = int(match["last"]) if match["last"] else None
        if last is not None and last < first:
            return None  # invalid range-spec: the whole header is invalid
        specs.append((first, last, None))
    if not specs or len(specs) > MAX_RANGE_SPECS:
        return None
    return specs


def _merge(ranges: list[ByteRange]) -> list[ByteRange]:
    """Sorted, with ranges that overlap or touch joined into one."""
    merged: list[ByteRange] = []
    for current in sorted(ranges, key=lambda r: r.start):
        if merged and current.start <= merged[-1].stop:
            previous = merged.pop()
            current = ByteRange(previous.start, max(previous.stop, current.stop))
        merged.append(current)
    return merged
