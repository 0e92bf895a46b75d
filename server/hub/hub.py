"""The hub: this process's rooms, the event writer, and the bridge to other processes."""

from __future__ import annotations

import asyncio
import logging
import secrets
import uuid
from collections import defaultdict
from typing import TYPE_CHECKING, Callable, Sequence

from db.embedded import libpq_dsn
from db.queries.events import events_after
from db.models import Interview
from server.database import Database
from server.hub.event_writer import NOTIFY_CHANNEL, EventWriter
from server.hub.events import StoredEvent, from_row
from server.hub.notify import NotifyListener
from server.hub.room import Room
from server.settings import Settings

if TYPE_CHECKING:
    from server.hub.connection import Connection

log = logging.getLogger(__name__)

CANDIDATE_CHANNEL = "interview_candidates"
PAGE = 1000


class Hub:
    def __init__(self, settings: Settings, db: Database, dsn: str) -> None:
        self.settings = settings
        self.db = db
        self.origin = secrets.token_hex(8)
        self.rooms: dict[uuid.UUID, Room] = {}
        self.writer = EventWriter(db.engine, self._committed, origin=self.origin)
        self.listener = NotifyListener(
            dsn, {NOTIFY_CHANNEL: self._notified, CANDIDATE_CHANNEL: self._candidate_elsewhere}
        )
        self.connections: set[Connection] = set()
        self._room_locks: dict[uuid.UUID, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.on_room_created: list[Callable[[Room], None]] = []

    async def start(self) -> None:
        self.writer.start()
        self.listener.start()
        try:
            await asyncio.wait_for(self.listener.connected.wait(), 10)
        except asyncio.TimeoutError:
            log.warning("notify listener not connected yet; other processes' events will lag")

    async def stop(self) -> None:
        for connection in list(self.connections):
            await connection.shut_down()
        await self.writer.stop()
        await self.listener.stop()
        for room in self.rooms.values():
            room.close()
        self.rooms.clear()

    async def room(self, interview: Interview) -> Room:
        async with self._room_locks[interview.id]:
            room = self.rooms.get(interview.id)
            if room is None:
                async with self.db.transaction() as session:
                    fresh = await session.get(Interview, interview.id)
                    head = fresh.head_seq if fresh is not None else interview.head_seq
                room = Room(interview.id, head, self.load_range)
                self.rooms[interview.id] = room
                for callback in self.on_room_created:
                    callback(room)
            return room

    def release(self, room: Room) -> None:
        if room.is_empty() and self.rooms.get(room.interview_id) is room:
            room.close()
            del self.rooms[room.interview_id]
            self._room_locks.pop(room.interview_id, None)

    async def load_range(self, interview_id: uuid.UUID, after: int, upto: int) -> list[StoredEvent]:
        async with self.db.transaction() as session:
            rows = await events_after(session, interview_id, after, PAGE, upto=upto)
        return [
            from_row(r.interview_id, r.seq, r.kind, r.ts, r.payload, r.stream, r.client_seq)
            for r in rows
        ]

    def _committed(self, events: Sequence[StoredEvent]) -> None:
        by_interview: dict[uuid.UUID, list[StoredEvent]] = defaultdict(list)
        for event in events:
            by_interview[event.interview_id].append(event)
        for interview_id, batch in by_interview.items():
            room = self.rooms.get(interview_id)
            if room is not None:
                room.deliver(batch)

    def _notified(self, interview_id: uuid.UUID, rest: str) -> None:
        head, _, origin = rest.partition(":")
        if origin == self.origin:
            return
        room = self.rooms.get(interview_id)
        if room is not None and head.isdigit():
            room.advance_to(int(head))

    async def claim_candidate(self, interview_id: uuid.UUID, connection_id: str) -> None:
        """Tell other processes a new candidate connection took over this interview."""
        async with self.db.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            await raw.driver_connection.execute(  # type: ignore[union-attr]
                "SELECT pg_notify($1, $2)",
                CANDIDATE_CHANNEL,
                f"{interview_id}:{self.origin}:{connection_id}",
            )

    def _candidate_elsewhere(self, interview_id: uuid.UUID, rest: str) -> None:
        origin, _, _ = rest.partition(":")
        if origin == self.origin:
            return
        room = self.rooms.get(interview_id)
        if room is not None and room.candidate is not None:
            room.candidate.superseded()
