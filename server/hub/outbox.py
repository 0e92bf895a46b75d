"""A connection's bounded outgoing queue.

Sending never waits on the socket: the room pushes here, and the connection is told
(``on_ready``) that something can be taken; it takes and sends what is due. A member
that falls behind first loses superseded ``face`` events (only the newest queued one is
kept); past the hard bound the connection is to be closed (4010) and the client resumes
from the log.

Acknowledgements are paced: one is written at most every ``ack_interval_s``, carrying
the newest value (the protocol allows coalescing up to 250 ms). A candidate sends about
ten data messages a second and nearly every commit would otherwise cost it an ack frame
of its own; an ack after a quiet spell still goes out at once. So does one that would
leave ``ack_burst`` or more frames unacknowledged: a client that sends faster than that (one
flushing its outbox after a reconnect, one that keeps a window of frames in flight) is never
held back by the pacing.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from typing import Callable
from dataclasses import dataclass

from server.observability.metrics import COALESCED

# Well inside the protocol's 250 ms, so that an ack's delay stays small beside the commit's.
ACK_INTERVAL_S = 0.15
# A live candidate sends one or two frames per interval; only a faster sender reaches this.
ACK_BURST = 8


@dataclass(frozen=True)
class Outgoing:
    frame: bytes
    kind: str = ""
    seq: int | None = None


class Overflow(Exception):
    """The member is too far behind: close it with 4010."""


class Outbox:
    def __init__(self, *, on_ready: Callable[[], None] = lambda: None, soft_limit: int = 256,
                 hard_limit: int = 2048, hard_bytes: int = 16 * 1024 * 1024,
                 stall_s: float = 0.25, ack_interval_s: float = ACK_INTERVAL_S,
                 ack_burst: int = ACK_BURST, clock: Callable[[], float] = time.monotonic) -> None:
        self._items: deque[Outgoing] = deque()
        self._bytes = 0
        self._ack: int | None = None
        self._ack_interval_s = ack_interval_s
        self._ack_sent_at = -math.inf
        self._ack_burst = ack_burst
        # The value of the last ack taken (the first ack is due at once whatever it is).
        self._ack_sent = 0
        self._ack_timer: asyncio.TimerHandle | None = None
        self._pong: bytes | None = None
        self._soft_limit = soft_limit
        self._hard_limit = hard_limit
        self._hard_bytes = hard_bytes
        # Called whenever something may have become due: pushed, an ack, a pong, an ack's turn.
        self._on_ready = on_ready
        # A burst (a commit batch, a resent outbox) may queue many frames at once; only a
        # member whose socket has stopped taking frames is behind.
        self._stall_s = stall_s
        self._clock = clock
        self._progress = clock()
        # The last ``take`` found nothing due: whatever is pushed now, the member is not
        # behind (a burst after a quiet spell is not a stall).
        self._parked = False
        self.coalesced = 0
        self.closed = False

    def __len__(self) -> int:
        return len(self._items)

    @property
    def queued_bytes(self) -> int:
        return self._bytes

    def push(self, item: Outgoing) -> None:
        """Queue ``item``; raises :class:`Overflow` when the member is past the hard bound."""
        if self.closed:
            return
        self._items.append(item)
        self._bytes += len(item.frame)
        if len(self._items) > self._soft_limit and self.stalled():
            self._coalesce_faces()
        if len(self._items) > self._hard_limit or self._bytes > self._hard_bytes:
            raise Overflow(f"{len(self._items)} frames ({self._bytes} bytes) not yet sent")
        self._on_ready()

    def stalled(self) -> bool:
        return not self._parked and self._clock() - self._progress > self._stall_s

    def sent(self) -> None:
        """Something taken was written to the socket: the member is taking frames."""
        self._progress = self._clock()

    def set_ack(self, upto: int) -> None:
        """Acks are coalesced: only the newest value waits to be sent, ahead of events once
        the interval since the last one has passed."""
        self._ack = upto if self._ack is None else max(self._ack, upto)
        self._on_ready()

    def set_pong(self, frame: bytes) -> None:
        """Pongs are coalesced too: one answers every ping received since the last one."""
        self._pong = frame
        self._on_ready()

    def _coalesce_faces(self) -> None:
        newest_face = None
        for item in reversed(self._items):
            if item.kind == "face":
                newest_face = item
                break
        if newest_face is None:
            return
        kept: deque[Outgoing] = deque()
        for item in self._items:
            if item.kind == "face" and item is not newest_face:
                self._bytes -= len(item.frame)
                self.coalesced += 1
                continue
            kept.append(item)
        COALESCED.inc(len(self._items) - len(kept))
        self._items = kept

    def take(self) -> tuple[int | None, Outgoing | None]:
        """What to send now: a pending ack value that is due, a pong, or else the next queued
        frame; ``(None, None)`` when nothing is due. An ack that must wait for its turn is
        announced through ``on_ready`` when the turn comes."""
        if self.closed:
            return None, None
        ack_due_in = None
        if self._ack is not None:
            ack_due_in = self._ack_sent_at + self._ack_interval_s - self._clock()
            if ack_due_in <= 0 or self._ack - self._ack_sent >= self._ack_burst:
                ack, self._ack = self._ack, None
                self._ack_sent, self._ack_sent_at = ack, self._clock()
                self._unpark()
                return ack, None
        if self._pong is not None:
            pong, self._pong = self._pong, None
            self._unpark()
            return None, Outgoing(pong, "pong")
        if self._items:
            item = self._items.popleft()
            self._bytes -= len(item.frame)
            self._unpark()
            return None, item
        if ack_due_in is not None and self._ack_timer is None:
            self._ack_timer = asyncio.get_running_loop().call_later(ack_due_in, self._ack_due)
        self._parked = True
        return None, None

    def _unpark(self) -> None:
        if self._parked:
            self._parked = False
            self._progress = self._clock()

    def _ack_due(self) -> None:
        self._ack_timer = None
        self._on_ready()

    def close(self) -> None:
        if self._ack_timer is not None:
            self._ack_timer.cancel()
            self._ack_timer = None
        self.closed = True
        self._items.clear()
        self._bytes = 0
