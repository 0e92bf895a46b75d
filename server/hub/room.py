"""One room per live interview in this process: its members and in-order fan-out.

Events reach a room after they are committed, from this process's writer or,
for events written by another process, read back from the log after a NOTIFY.
Either way the room hands them on strictly in ``seq`` order, filling any gap
from the log first, so every member sees the log as it is stored.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import TYPE_CHECKING, Awaitable, Callable, Iterable, Protocol, Sequence

from protocol import ObserverInfo, Presence, encode
from server.hub.events import StoredEvent
from server.hub.outbox import Outgoing

if TYPE_CHECKING:
    from server.hub.connection import Connection
    from server.hub.interview_flow import InterviewFlow

log = logging.getLogger(__name__)

LoadRange = Callable[[uuid.UUID, int, int], Awaitable[list[StoredEvent]]]


class EventSink(Protocol):
    """Something in the room that consumes every event in order (the interview flow)."""

    def on_event(self, event: StoredEvent) -> None: ...


class Room:
    def __init__(self, interview_id: uuid.UUID, head: int, load_range: LoadRange) -> None:
        self.interview_id = interview_id
        self.head = head
        self.candidate: Connection | None = None
        self.observers: set[Connection] = set()
        self.sinks: list[EventSink] = []
        self.flow: InterviewFlow | None = None
        # A finished phase went by: instructors' questions are refused from then on.
        self.finished = False
        self._load_range = load_range
        self._waiting: dict[int, StoredEvent] = {}
        self._target = head
        self._fill: asyncio.Task[None] | None = None

    @property
    def members(self) -> list[Connection]:
        members = list(self.observers)
        if self.candidate is not None:
            members.append(self.candidate)
        return members

    def is_empty(self) -> bool:
        return self.candidate is None and not self.observers

    def deliver(self, events: Iterable[StoredEvent]) -> None:
        """Take committed events (any order, duplicates allowed) and pass them on in order."""
        for event in events:
            if event.seq > self.head:
                self._waiting[event.seq] = event
        self._drain()

    def advance_to(self, seq: int) -> None:
        """Another process committed up to ``seq``: read from the log what is not here yet."""
        self._target = max(self._target, seq)
        self._drain()

    def _drain(self) -> None:
        while (event := self._waiting.pop(self.head + 1, None)) is not None:
            self.head = event.seq
            self._fan_out(event)
        if self._missing_upto() > self.head and self._fill is None:
            self._fill = asyncio.create_task(self._fill_gap())

    def _missing_upto(self) -> int:
        if self._waiting:
            return min(self._waiting) - 1
        return self._target

    async def _fill_gap(self) -> None:
        try:
            events = await self._load_range(self.interview_id, self.head, self._missing_upto())
            for event in events:
                self._waiting.setdefault(event.seq, event)
            if not events:
                raise LookupError("committed events are not in the log")
        except Exception:
            log.exception("reading the log of %s after #%s failed", self.interview_id, self.head)
            await asyncio.sleep(0.5)
        finally:
            self._fill = None
        self._drain()

    def _fan_out(self, event: StoredEvent) -> None:
        if event.kind == "phase" and event.d.get("phase") == "finished":
            self.finished = True
        for sink in self.sinks:
            try:
                sink.on_event(event)
            except Exception:
                log.exception("event sink failed on %s #%s", event.kind, event.seq)
        outgoing = Outgoing(event.frame, event.kind, event.seq)
        for observer in list(self.observers):
            observer.send_event(outgoing)
        if self.candidate is not None and event.visible_to_candidate():
            self.candidate.send_event(outgoing)

    def broadcast_control(self, frame: bytes, members: Sequence[Connection] | None = None) -> None:
        """A control message (not logged) to every member, or to ``members``."""
        for member in self.members if members is None else members:
            member.send_control(frame)

    def announce_presence(self) -> None:
        observers = sorted(
            {(o.user_id, o.display_name) for o in self.observers}, key=lambda pair: pair[1]
        )
        frame = encode(
            Presence(observers=tuple(ObserverInfo(user=u, name=n) for u, n in observers))
        )
        self.broadcast_control(frame)

    def close(self) -> None:
        if self._fill is not None:
            self._fill.cancel()
            self._fill = None
