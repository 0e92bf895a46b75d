"""Events of the interview log, as the hub handles them in memory."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping

import msgpack
from sqlalchemy import Row

from db.models import Event

# Candidate frames that are logged and relayed to observers with ``src_seq``.
CANDIDATE_KINDS = frozenset({"state", "transcript", "face", "audio", "code"})
# Logged events the candidate receives (the rest go to observers only).
TO_CANDIDATE = frozenset({"phase", "question", "feedback", "analysis", "report"})


# One packer for every event (the hub packs on its event loop only): packb makes one a call.
_PACKER = msgpack.Packer(use_bin_type=True)


def pack(value: Any) -> bytes:
    packed: bytes = _PACKER.pack(value)
    return packed


# An envelope (a map of 4) up to each value, as msgpack packs the keys.
_T = b"\x84" + pack("t")
_SEQ = pack("seq")
_TS = pack("ts")
_D = pack("d")
_SRC_SEQ = pack("src_seq")


def _with_entry(packed_map: bytes, key: bytes, value: bytes) -> bytes | None:
    """``packed_map`` with one more entry (``key`` and ``value``, packed) at its end."""
    first = packed_map[0]
    if 0x80 <= first <= 0x8F:
        entries, header = first & 0x0F, 1
    elif first == 0xDE:
        entries, header = int.from_bytes(packed_map[1:3], "big"), 3
    elif first == 0xDF:
        entries, header = int.from_bytes(packed_map[1:5], "big"), 5
    else:
        return None
    entries += 1
    if entries <= 0x0F:
        head = bytes((0x80 | entries,))
    elif entries <= 0xFFFF:
        head = b"\xde" + entries.to_bytes(2, "big")
    else:
        head = b"\xdf" + entries.to_bytes(4, "big")
    return b"".join((head, memoryview(packed_map)[header:], key, value))


def unpack(raw: bytes) -> Any:
    return msgpack.unpackb(raw, raw=False)


# Not frozen: a frozen dataclass's __init__ costs ~5x as much (0.9 against 0.2 µs), and
# the writer makes one per event. Nothing changes an event once made; its ``frame`` is
# shared by every member that receives it.
@dataclass
class StoredEvent:
    """An event that is committed to the log, with its per-interview ``seq``."""

    interview_id: uuid.UUID
    seq: int
    kind: str
    ts: int
    d: Mapping[str, Any]
    stream: str | None = None
    client_seq: int | None = None
    # ``d`` packed, as stored: the frame is spliced from it instead of packing ``d`` again.
    payload: bytes | None = field(default=None, compare=False, repr=False)

    def wire_payload(self) -> dict[str, Any]:
        """``d`` as clients receive it: candidate frames carry their client seq as ``src_seq``."""
        if self.kind in CANDIDATE_KINDS and self.client_seq is not None:
            return {**self.d, "src_seq": self.client_seq}
        return dict(self.d)

    @cached_property
    def frame(self) -> bytes:
        """The encoded frame, made once and shared by every member that receives it."""
        d = self._packed_wire_payload()
        if d is None:
            return pack({"t": self.kind, "seq": self.seq, "ts": self.ts, "d": self.wire_payload()})
        # The same bytes as packing the envelope map, in its keys' order.
        return b"".join((_T, pack(self.kind), _SEQ, pack(self.seq), _TS, pack(self.ts), _D, d))

    def _packed_wire_payload(self) -> bytes | memoryview | None:
        payload = self.payload
        if payload is None:
            return None
        if self.kind not in CANDIDATE_KINDS or self.client_seq is None:
            return payload
        if "src_seq" in self.d:
            return None
        return _with_entry(payload, _SRC_SEQ, pack(self.client_seq))

    def visible_to_candidate(self) -> bool:
        if self.kind == "note":
            return self.d.get("to") == "candidate"
        return self.kind in TO_CANDIDATE

    def document(self) -> dict[str, Any]:
        """The event as the events API returns it."""
        return {"t": self.kind, "seq": self.seq, "ts": self.ts, "d": self.wire_payload()}


def from_row(row: Event | Row[Any]) -> StoredEvent:
    """A stored event as read back from the log."""
    return StoredEvent(
        interview_id=row.interview_id, seq=row.seq, kind=row.kind, ts=row.ts,
        d=unpack(row.payload), stream=row.stream, client_seq=row.client_seq,
        payload=row.payload,
    )
