"""Events of the interview log, as the hub handles them in memory."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Mapping

import msgpack

from db.models import Event

# Candidate frames that are logged and relayed to observers with ``src_seq``.
CANDIDATE_KINDS = frozenset({"state", "transcript", "face", "audio", "code"})
# Logged events the candidate receives (the rest go to observers only).
TO_CANDIDATE = frozenset({"phase", "question", "feedback", "analysis", "report"})


def pack(value: Any) -> bytes:
    packed: bytes = msgpack.packb(value, use_bin_type=True)
    return packed


def unpack(raw: bytes) -> Any:
    return msgpack.unpackb(raw, raw=False)


@dataclass(frozen=True)
class StoredEvent:
    """An event that is committed to the log, with its per-interview ``seq``."""

    interview_id: uuid.UUID
    seq: int
    kind: str
    ts: int
    d: Mapping[str, Any]
    stream: str | None = None
    client_seq: int | None = None

    def wire_payload(self) -> dict[str, Any]:
        """``d`` as clients receive it: candidate frames carry their client seq as ``src_seq``."""
        if self.kind in CANDIDATE_KINDS and self.client_seq is not None:
            return {**self.d, "src_seq": self.client_seq}
        return dict(self.d)

    @cached_property
    def frame(self) -> bytes:
        """The encoded frame, made once and shared by every member that receives it."""
        return pack({"t": self.kind, "seq": self.seq, "ts": self.ts, "d": self.wire_payload()})

    def visible_to_candidate(self) -> bool:
        if self.kind == "note":
            return self.d.get("to") == "candidate"
        return self.kind in TO_CANDIDATE

    def document(self) -> dict[str, Any]:
        """The event as the events API returns it."""
        return {"t": self.kind, "seq": self.seq, "ts": self.ts, "d": self.wire_payload()}


def from_row(row: Event) -> StoredEvent:
    """A stored event as read back from the log."""
    return StoredEvent(
        interview_id=row.interview_id, seq=row.seq, kind=row.kind, ts=row.ts,
        d=unpack(row.payload), stream=row.stream, client_seq=row.client_seq,
    )
