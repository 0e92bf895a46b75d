"""The Range header decided without I/O (RFC 9110, section 14)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.byte_ranges import MAX_RANGE_SPECS, ByteRange, Unsatisfiable, select_ranges

SIZE = 1000


@pytest.mark.parametrize(
    "header, expected",
    [
        ("bytes=0-99", [(0, 100)]),
        ("bytes=900-", [(900, 1000)]),
        ("bytes=990-2000", [(990, 1000)]),  # a last-pos past the end is clamped
        ("bytes=-10", [(990, 1000)]),
        ("bytes=-5000", [(0, 1000)]),  # a suffix longer than the file is all of it
        ("bytes=0-0", [(0, 1)]),
        ("BYTES=0-9", [(0, 10)]),  # the unit is case-insensitive
        ("bytes= 0-9 ,\t20-29", [(0, 10), (20, 30)]),  # whitespace around list elements
        ("bytes=0-9,,20-29,", [(0, 10), (20, 30)]),  # empty list elements are allowed
        ("bytes=20-29,0-9", [(0, 10), (20, 30)]),  # sorted
        ("bytes=0-49,40-99", [(0, 100)]),  # overlapping ranges merge
        ("bytes=0-49,50-99", [(0, 100)]),  # adjacent ones too
        ("bytes=0-9,0-9,0-9", [(0, 10)]),
        ("bytes=-10,990-", [(990, 1000)]),
        ("bytes=5000-,0-9", [(0, 10)]),  # an unsatisfiable range among satisfiable ones is dropped
    ],
)
def test_satisfiable_ranges(header: str, expected: list[tuple[int, int]]) -> None:
    assert select_ranges(header, SIZE) == [ByteRange(a, b) for a, b in expected]


@pytest.mark.parametrize(
    "header",
    [
        "items=0-9",  # another unit
        "bytes",
        "bytes=",
        "bytes=abc",
        "bytes=9-0",  # last before first: the header is invalid
        "bytes=0-9,9-0",
        "bytes=--5",
        "bytes=1-2-3",
        "bytes=+1-2",
        "bytes=0x10-20",
        "bytes=١-٢",  # non-ASCII digits
        "bytes=0-9;x",
        "bytes=" + ",".join(f"{i * 10}-{i * 10}" for i in range(MAX_RANGE_SPECS + 1)),
    ],
)
def test_ignored_headers_mean_the_whole_file(header: str) -> None:
    assert select_ranges(header, SIZE) is None


def test_no_header_is_the_whole_file() -> None:
    assert select_ranges(None, SIZE) is None


@pytest.mark.parametrize(
    "header, size",
    [("bytes=1000-", 1000), ("bytes=5000-6000", 1000), ("bytes=-0", 1000), ("bytes=0-", 0),
     ("bytes=0-0", 0), ("bytes=1000-,2000-", 1000)],
)
def test_unsatisfiable(header: str, size: int) -> None:
    with pytest.raises(Unsatisfiable):
        select_ranges(header, size)


def test_a_suffix_of_an_empty_file_is_the_empty_file() -> None:
    assert select_ranges("bytes=-5", 0) is None


def test_content_range() -> None:
    assert ByteRange(0, 100).content_range(1000) == "bytes 0-99/1000"


spec = st.one_of(
    st.tuples(st.integers(0, 1200), st.none() | st.integers(0, 1200)).map(
        lambda t: f"{t[0]}-{'' if t[1] is None else t[1]}"),
    st.integers(0, 1200).map(lambda n: f"-{n}"),
    st.text(max_size=5),
)


@settings(max_examples=3 * settings.default.max_examples, deadline=None, database=None)
@given(st.lists(spec, max_size=20), st.integers(0, 1100))
def test_any_header_gives_merged_ranges_inside_the_file(specs: list[str], size: int) -> None:
    header = "bytes=" + ",".join(specs)
    try:
        ranges = select_ranges(header, size)
    except Unsatisfiable:
        return
    if ranges is None:
        return
    assert ranges, "an empty list of ranges is never returned"
    for byte_range in ranges:
        assert 0 <= byte_range.start < byte_range.stop <= size
    for before, after in zip(ranges, ranges[1:]):
        assert before.stop < after.start  # sorted, disjoint and not touching
    # The same bytes as the specs ask for (a simple model of RFC 9110, 14.1.2).
    wanted: set[int] = set()
    for item in header.removeprefix("bytes=").split(","):  # a random spec may hold a comma
        item = item.strip(" \t")
        if not item:
            continue
        first, _, last = item.partition("-")
        if not first:
            wanted |= set(range(max(size - int(last), 0), size)) if int(last) else set()
        else:
            wanted |= set(range(int(first), min(int(last) + 1 if last else size, size)))
    served = {i for r in ranges for i in range(r.start, r.stop)}
    assert served == wanted
