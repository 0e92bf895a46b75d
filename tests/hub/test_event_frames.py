"""A logged event's frame is spliced from its stored payload bytes instead of packing its
``d`` again: the bytes must be exactly those of packing the envelope map."""

from __future__ import annotations

import uuid

import msgpack
from hypothesis import given
from hypothesis import strategies as st

from server.hub.events import CANDIDATE_KINDS, StoredEvent, pack, unpack

INTERVIEW = uuid.uuid4()

values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False) | st.text(max_size=40) | st.binary(max_size=300),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
# Up to 20 entries: fixmap and map16 headers, before and after the added entry.
payloads = st.dictionaries(st.text(max_size=12), values, max_size=20)
kinds = st.sampled_from(sorted(CANDIDATE_KINDS | {"phase", "question", "feedback", "note"}))


def packed_envelope(event: StoredEvent) -> bytes:
    return pack({"t": event.kind, "seq": event.seq, "ts": event.ts, "d": event.wire_payload()})


@given(kind=kinds, d=payloads, seq=st.integers(1, 2**40), ts=st.integers(0, 2**45),
       client_seq=st.none() | st.integers(1, 2**40))
def test_the_spliced_frame_is_the_packed_envelope(kind: str, d: dict, seq: int, ts: int,
                                                  client_seq: int | None) -> None:
    event = StoredEvent(INTERVIEW, seq, kind, ts, d, "stream", client_seq, payload=pack(d))
    assert event.frame == packed_envelope(event)
    frame = unpack(event.frame)
    assert frame["d"] == event.wire_payload()


def test_a_map_of_fifteen_entries_grows_into_a_map16() -> None:
    d = {f"k{i}": i for i in range(15)}
    event = StoredEvent(INTERVIEW, 7, "transcript", 1, d, "stream", 3, payload=pack(d))
    assert pack(d)[0] == 0x8F
    assert event.frame == packed_envelope(event)
    assert unpack(event.frame)["d"] == {**d, "src_seq": 3}


def test_a_payload_that_already_has_src_seq_is_packed_as_before() -> None:
    d = {"text": "x", "src_seq": 99}
    event = StoredEvent(INTERVIEW, 2, "transcript", 1, d, "stream", 5, payload=pack(d))
    assert unpack(event.frame)["d"] == {"text": "x", "src_seq": 5}
    assert event.frame == packed_envelope(event)


def test_without_stored_bytes_the_frame_is_packed() -> None:
    d = {"phase": "asking"}
    event = StoredEvent(INTERVIEW, 1, "phase", 1, d)
    assert event.frame == msgpack.packb({"t": "phase", "seq": 1, "ts": 1, "d": d},
                                        use_bin_type=True)
