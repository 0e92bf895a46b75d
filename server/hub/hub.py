"""The hub: this process's rooms, the event writer, and the bridge to other processes."""

from __future__ import annotations

import asyncio
import logging
import secrets
import uuid
from collections import defaultdict
from typing import TYPE_CHECKING, Sequence

from protocol import CloseCode, ErrorCode
from db.queries.events import events_after, heads_of
from db.queries.questions import questions_of, recent_question_texts
from db.models import Interview
from server.database import Database
from server.hub.event_writer import NOTIFY_CHANNEL, EventWriter
from server.hub.events import StoredEvent, from_row
from server.hub.notify import NotifyListener
from server.flow import InterviewState, apply_event
from server.hub.interview_flow import InterviewerFactory, InterviewFlow
from server.hub.recordings import RecordingStore, RecordingWriter
from server.hub.room import Room
from server.interviewer import PlannedQuestion
from server.lifecycle.deletion import ACCESS_CHANNEL, EVERYONE
from server.settings import Settings

if TYPE_CHECKING:
    from server.hub.connection import Connection

log = logging.getLogger(__name__)

CANDIDATE_CHANNEL = "interview_candidates"
PAGE = 1000
# How long a stopping server keeps trying to store what is queued (the database may be away).
WRITER_STOP_S = 10.0


class Hub:
    def __init__(
        self, settings: Settings, db: Database, dsn: str, make_interviewer: InterviewerFactory,
        recordings: RecordingStore,
    ) -> None:
        self.settings = settings
        self.db = db
        self.origin = secrets.token_hex(8)
        self.rooms: dict[uuid.UUID, Room] = {}
        self.recording_writer = RecordingWriter(db.engine, recordings)
        self.writer = EventWriter(
            db.engine, self._committed, origin=self.origin, recordings=self.recording_writer,
            max_pending=settings.event_buffer_frames,
            max_pending_bytes=settings.event_buffer_bytes, on_health=self._writer_health,
        )
        recordings.on_failure = self._recording_failed
        self.listener = NotifyListener(
            dsn, {NOTIFY_CHANNEL: self._notified, CANDIDATE_CHANNEL: self._candidate_elsewhere,
                  ACCESS_CHANNEL: self._access_withdrawn},
            on_connected=self._catch_up_rooms,
        )
        # Shutting down: sockets are drained and closed, new ones refused with 1001.
        self.draining = False
        self.connections: set[Connection] = set()
        self._room_locks: dict[uuid.UUID, asyncio.Lock] = defaultdict(asyncio.Lock)
        # One interviewer per live interview (its token budget is per interview); it calls
        # back when it has to switch to the offline interviewer.
        self.make_interviewer = make_interviewer
        self._background: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self.recording_writer.start()
        self.writer.start()
        self.listener.start()
        try:
            await asyncio.wait_for(self.listener.connected.wait(), 10)
        except asyncio.TimeoutError:
            log.warning("notify listener not connected yet; other processes' events will lag")

    async def close_connections(self, timeout_s: float = 3.0, drain_s: float = 5.0) -> None:
        """Stop taking frames, wait (up to ``drain_s``) until those taken are stored and
        acknowledged, then close every socket with 1001 (going away) so clients reconnect
        elsewhere and resend only what was not acknowledged."""
        self.draining = True
        # Candidates first: observers then also get what the candidates' last frames made.
        candidates = [c for c in self.connections if c.role == "candidate"]

        async def drain() -> None:
            await asyncio.gather(*(c.drain() for c in candidates), return_exceptions=True)
            await asyncio.gather(*(c.drain() for c in list(self.connections)),
                                 return_exceptions=True)

        try:
            await asyncio.wait_for(drain(), drain_s)
        except asyncio.TimeoutError:
            log.warning("shutting down with frames not yet stored; their clients resend them")
        for connection in list(self.connections):
            connection.close_soon(CloseCode.GOING_AWAY, "server shutting down")
        deadline = asyncio.get_running_loop().time() + timeout_s
        while self.connections and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        await self.close_connections()
        for room in list(self.rooms.values()):
            if room.flow is not None:
                await room.flow.stop()
        stop_by = asyncio.get_running_loop().time() + WRITER_STOP_S
        await self.writer.stop(timeout_s=WRITER_STOP_S)
        # The audio just committed goes to the files too, in what is left of the time.
        await self.recording_writer.stop(
            timeout_s=max(0.0, stop_by - asyncio.get_running_loop().time()))
        await self.listener.stop()
        for room in list(self.rooms.values()):
            if room.flow is not None:
                await room.flow.stop()
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
            return room

    def release(self, room: Room) -> None:
        if room.is_empty() and self.rooms.get(room.interview_id) is room:
            room.close()
            del self.rooms[room.interview_id]
            self._room_locks.pop(room.interview_id, None)
            if room.flow is not None:
                self._stop_flow(room)

    async def ensure_flow(self, room: Room) -> None:
        """Run the interview flow for ``room`` here (the candidate is connected here)."""
        async with self._room_locks[room.interview_id]:
            if room.flow is not None:
                return
            async with self.db.transaction() as session:
                interview = await session.get(Interview, room.interview_id)
                if interview is None:
                    return
                asked = {
                    str(q.id): PlannedQuestion(q.text, q.topic or "", tuple(q.key_points))
                    for q in await questions_of(session, interview.id)
                }
                history = await recent_question_texts(
                    session, interview.owner_id, exclude=interview.id
                )
            flow = InterviewFlow(room, self.writer, interview, self.make_interviewer, asked, history)
            # No await between reading the head and registering: every later event reaches
            # the flow live, every earlier one through the replay below.
            head = room.head
            room.flow = flow
            room.sinks.extend((flow, flow.coaching))
            flow.state = await self._replayed_state(room.interview_id, head)
            flow.start()

    async def _replayed_state(self, interview_id: uuid.UUID, upto: int) -> InterviewState:
        state = InterviewState()
        after = 0
        while after < upto:
            async with self.db.transaction() as session:
                # Face and audio frames do not shape the flow.
                rows = await events_after(
                    session, interview_id, after, PAGE, upto=upto, leave_out=("face", "audio")
                )
            if not rows:
                break
            for row in rows:
                event = from_row(row)
                state = apply_event(state, event.kind, event.seq, event.ts, event.d,
                                    event.client_seq if event.stream is not None else None)
                after = row.seq
        return state

    def _stop_flow(self, room: Room) -> None:
        flow = room.flow
        if flow is None:
            return
        room.flow = None
        room.sinks = [sink for sink in room.sinks if sink not in (flow, flow.coaching)]
        self._background.add(task := asyncio.create_task(flow.stop()))
        task.add_done_callback(self._background.discard)

    async def load_range(self, interview_id: uuid.UUID, after: int, upto: int) -> list[StoredEvent]:
        async with self.db.transaction() as session:
            rows = await events_after(session, interview_id, after, PAGE, upto=upto)
        return [
            from_row(row) for row in rows
        ]

    def _committed(self, events: Sequence[StoredEvent]) -> None:
        by_interview: dict[uuid.UUID, list[StoredEvent]] = defaultdict(list)
        for event in events:
            by_interview[event.interview_id].append(event)
        for interview_id, batch in by_interview.items():
            room = self.rooms.get(interview_id)
            if room is not None:
                room.deliver(batch)

    @property
    def ready(self) -> bool:
        """Storing events and hearing other processes: fit for new traffic."""
        return self.writer.is_healthy() and self.listener.connected.is_set() and not self.draining

    def _writer_health(self, healthy: bool) -> None:
        if healthy:
            return
        # Clients keep unacknowledged frames in their outbox; this says why acks pause.
        message = ("The database is unavailable: your messages are kept and will be "
                   "acknowledged once it is back.")
        for connection in list(self.connections):
            connection.send_error(ErrorCode.UNAVAILABLE, message)

    def _recording_failed(self, interview_id: uuid.UUID, stream: str, error: OSError) -> None:
        room = self.rooms.get(interview_id)
        candidate = room.candidate if room is not None else None
        if candidate is not None and candidate.stream == stream:
            candidate.send_error(
                ErrorCode.UNAVAILABLE,
                f"Audio could not be saved to the recording ({error.strerror or error}). The "
                "interview goes on and the audio is kept; the recording catches up once "
                "storage works again.",
            )

    async def _catch_up_rooms(self) -> None:
        """After (re)connecting to LISTEN: notifications sent while it was away are lost, so
        every room here reads the log's head and fetches what it missed."""
        ids = list(self.rooms)
        if not ids:
            return
        async with self.db.transaction() as session:
            heads = await heads_of(session, ids)
        for interview_id, head in heads.items():
            room = self.rooms.get(interview_id)
            if room is not None:
                room.advance_to(head)

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
        if room is not None:
            # The interview is driven from the other process now.
            self._stop_flow(room)
            if room.candidate is not None:
                room.candidate.superseded()

    def _access_withdrawn(self, interview_id: uuid.UUID, who: str) -> None:
        self.withdraw(interview_id, None if who == EVERYONE else who)

    def withdraw(self, interview_id: uuid.UUID, user_id: str | None) -> None:
        """Close this process's sockets of ``user_id`` in the interview (None: every socket,
        the interview is deleted: 4004); a user who lost access is closed with 4003."""
        room = self.rooms.get(interview_id)
        if room is None:
            return
        for member in room.members:
            if user_id is None:
                member.close_soon(CloseCode.NOT_FOUND, "the interview was deleted")
            elif member.user_id == user_id:
                member.close_soon(CloseCode.FORBIDDEN, "access to the interview was withdrawn")
        if user_id is None:
            self._stop_flow(room)
