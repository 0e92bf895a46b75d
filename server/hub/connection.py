"""One websocket member of a room: handshake, reader, sending, acknowledgements.

The handler task reads and validates frames. What the room sends goes through the
connection's :class:`Outbox`: whatever is due is written in place while the socket takes
it at once, and a send that has to wait (a full socket buffer) is finished by a task,
which then sends the rest; so nothing the room does ever waits on this socket.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import uuid
from collections import deque
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from quart import Websocket

from db.models import Interview, User
from db.queries.events import events_after, stream_position
from protocol import (
    Ack,
    AskRequest,
    Audio,
    CloseCode,
    Envelope,
    Error,
    ErrorCode,
    Hello,
    InterviewSummary,
    Limits,
    NoteRequest,
    Ping,
    Pong,
    ProtocolError,
    Welcome,
    decode_client_frame,
    encode,
)
from server.hub.asgi_websocket import Disconnected
from server.hub.eager import Rest, run_eagerly
from server.hub.event_writer import Append, Unavailable, now_ms
from server.hub.events import CANDIDATE_KINDS, StoredEvent, from_row
from server.hub.outbox import Outbox, Outgoing, Overflow
from server.hub.rate_limit import TokenBucket
from server.hub.recordings import Chunk
from server.observability import metrics

if TYPE_CHECKING:
    from server.hub.hub import Hub
    from server.hub.room import Room

log = logging.getLogger(__name__)

HELLO_TIMEOUT_S = 10.0
CLOSE_TIMEOUT_S = 2.0
_PONG = encode(Pong())
CATCH_UP_PAGE = 500


# Sending yields to the event loop after this many frames in a row.
YIELD_EVERY_FRAMES = 16


def frame_sender(websocket: Websocket) -> Callable[[bytes], Awaitable[None]]:
    """Send binary frames of an accepted socket straight to the ASGI server.

    Quart's ``Websocket.send`` first yields to the event loop (``sleep(0)``) and afterwards
    fires a signal: for every frame a full turn of the loop, so a member with frames queued
    got one per turn. Where Quart's websocket is not built on an ASGI send callable (its
    internals changed), its ``send`` is used."""
    bound = getattr(websocket, "_send", None)
    if isinstance(bound, functools.partial) and bound.args and callable(bound.args[0]):
        asgi_send = bound.args[0]

        async def send(frame: bytes) -> None:
            await asgi_send({"type": "websocket.send", "bytes": frame, "text": None})

        return send
    log.warning("sending websocket frames through Quart's Websocket.send")
    return websocket.send


def frame_receiver(websocket: Websocket) -> Callable[[], Awaitable[str | bytes | None]]:
    """Read frames of an accepted socket straight from the ASGI server.

    Quart's ``Websocket.receive`` first runs ``accept`` again, which builds an empty header
    map and awaits two more coroutines for every frame. Where Quart's websocket has no
    receive callable of its own (its internals changed), its ``receive`` is used."""
    receive = getattr(websocket, "_receive", None)
    if callable(receive):
        return receive  # type: ignore[no-any-return]
    log.warning("reading websocket frames through Quart's Websocket.receive")
    return websocket.receive


class Closing(Exception):
    def __init__(self, code: int, reason: str = "", error: Error | None = None) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        # Sent just before the close frame, so the client learns the error code too.
        self.error = error


def _rate_limited(reason: str) -> Closing:
    """Abuse ends the connection: the client keeps its unacknowledged frames and may
    reconnect later, so nothing it sent is lost."""
    error = Error(code=ErrorCode.RATE_LIMITED, message=f"{reason} per second", fatal=True)
    return Closing(CloseCode.RATE_LIMITED, reason, error)


class Connection:
    def __init__(
        self,
        hub: Hub,
        websocket: Websocket,
        user: User,
        interview: Interview,
        *,
        ticket_role: str | None,
    ) -> None:
        self.hub = hub
        self.websocket = websocket
        self._send_frame = frame_sender(websocket)
        self._receive_frame = frame_receiver(websocket)
        self.user = user
        self.user_id = str(user.id)
        self.display_name = user.display_name
        self.interview = interview
        self.ticket_role = ticket_role
        self.id = uuid.uuid4().hex
        self.role = ""
        self.stream: str | None = None
        self.limits = Limits(max_frame_bytes=hub.settings.max_frame_bytes)
        self.outbox = Outbox(on_ready=self._pump)
        self.room: Room | None = None
        self.received_upto = 0
        self.acked = 0
        # The highest ``ack`` written to the socket.
        self.ack_sent = 0
        # Shutting down: data messages are no longer taken (the client resends them elsewhere).
        self.draining = False
        # Sending is paused: the welcome and catch-up are being sent, a send waits for the
        # socket, or the event loop gets its turn in a long queue.
        self._busy = True
        # The highest logged seq written (live delivery overlaps the catch-up's end).
        self._sent_upto = 0
        # (seq, the write's future, when it was received)
        self._in_flight: deque[tuple[int, asyncio.Future[StoredEvent | None], float]] = deque()
        self._next_audio_chunk = 0
        self._catch_up_from = 0
        self._live_from = 0
        self._close: Closing | None = None
        self._welcome_frame = b""
        self._handler: asyncio.Task[Any] | None = None
        # The task sending for now (the catch-up, or the rest of a send that had to wait).
        self._writer: asyncio.Task[None] | None = None
        # The bursts are generous: a client resending its outbox after an outage sends one.
        self._rate = TokenBucket(rate=hub.settings.ws_messages_per_s, burst=hub.settings.ws_burst)
        self._byte_rate = TokenBucket(
            rate=hub.settings.ws_bytes_per_s, burst=hub.settings.ws_bytes_burst
        )
        self._counted: Any = None  # this connection's open-connections gauge, once joined

    # ----- the handler task -------------------------------------------------

    async def serve(self) -> None:
        self._handler = asyncio.current_task()
        await self.websocket.accept()
        self.hub.connections.add(self)
        try:
            hello = await self._hello()
            await self._join(hello)
            while True:
                await self._receive(await self._next_frame())
        except Closing as closing:
            await self._close_socket(closing)
        except Disconnected:
            log.info("the client went away", extra=self._context())
        except asyncio.CancelledError:
            if self._close is not None:
                await self._close_socket(self._close)
                return
            raise
        finally:
            self._leave()

    async def _close_socket(self, closing: Closing) -> None:
        metrics.closed(closing.code)
        log.info("closing: %s %s", closing.code, closing.reason,
                 extra={**self._context(), "close_code": closing.code})
        # Leave the room first: a client that does not read may never take the close frame.
        self._leave()
        if self._writer is not None:
            try:
                await self._writer
            except (asyncio.CancelledError, Exception):
                pass
        try:
            await asyncio.wait_for(self._send_close(closing), CLOSE_TIMEOUT_S)
        except Exception:
            log.debug("the close frame could not be sent", exc_info=True)

    async def _send_close(self, closing: Closing) -> None:
        if closing.error is not None:
            await self.websocket.send(encode(closing.error))
        await self.websocket.close(closing.code, closing.reason[:120])

    def _leave(self) -> None:
        self.hub.connections.discard(self)
        if self._counted is not None:
            self._counted.dec()
            self._counted = None
        self.outbox.close()
        if self._writer is not None:
            self._writer.cancel()
        room = self.room
        if room is None:
            return
        self.room = None
        log.info("%s left", self.role, extra=self._context())
        if room.candidate is self:
            room.candidate = None
        elif self in room.observers:
            room.observers.discard(self)
            room.announce_presence()
        self.hub.release(room)

    def _context(self) -> dict[str, str]:
        """What log records about this connection carry (ids only, never content)."""
        return {"connection_id": self.id, "interview_id": str(self.interview.id),
                "user_id": self.user_id}

    def close_soon(self, code: int, reason: str) -> None:
        """Close from outside the handler (superseded, too far behind, shutting down)."""
        if self._close is None:
            self._close = Closing(code, reason)
            self.outbox.close()
            if self._handler is not None:
                self._handler.cancel()

    async def drain(self) -> None:
        """Take no more data messages; return once those taken are stored, and everything
        queued for the socket (acks, events) is written to it. The caller bounds the wait
        and closes the socket afterwards."""
        self.draining = True
        while self._in_flight and not self.outbox.closed:
            await asyncio.wait([future for _, future, _ in self._in_flight])
            await asyncio.sleep(0)  # let the done callbacks settle and acknowledge
        while not self.outbox.closed and (
            len(self.outbox) or self.ack_sent < self.acked or self._busy
        ):
            await asyncio.sleep(0.005)

    def superseded(self) -> None:
        self.close_soon(CloseCode.SUPERSEDED, "another connection took over as candidate")

    async def _next_frame(self) -> str | bytes:
        # Quart hands an empty binary frame over as None (b"" is falsy where it picks bytes
        # or text); it is an empty frame all the same, and gets bad_frame like any other.
        frame = await self._receive_frame()
        return b"" if frame is None else frame

    # ----- handshake ---------------------------------------------------------

    async def _hello(self) -> Hello:
        try:
            frame = await asyncio.wait_for(self._next_frame(), HELLO_TIMEOUT_S)
        except asyncio.TimeoutError:
            raise Closing(CloseCode.NO_HELLO, "no hello within 10 s") from None
        try:
            envelope = decode_client_frame(frame, self.limits)
        except ProtocolError as error:
            raise Closing(error.close_code or CloseCode.POLICY, error.message) from None
        if not isinstance(envelope.message, Hello):
            raise Closing(CloseCode.POLICY, "the first message must be hello")
        metrics.FRAMES_IN["hello"].inc()
        return envelope.message

    async def _join(self, hello: Hello) -> None:
        role = str(hello.role)
        if self.ticket_role is not None and role != self.ticket_role:
            raise Closing(CloseCode.FORBIDDEN, f"this ticket is for the {self.ticket_role} role")
        is_owner = self.interview.owner_id == self.user.id
        if role == "candidate" and not is_owner:
            raise Closing(CloseCode.FORBIDDEN, "only the interview's owner streams as candidate")
        self.role = role
        self.stream = hello.stream
        if hello.last_seq > 0:
            metrics.RESUMES.inc()
        async with self.hub.db.transaction() as session:
            if self.stream is not None:
                self.acked, self._next_audio_chunk = await stream_position(
                    session, self.interview.id, self.stream
                )
            fresh = await session.get(Interview, self.interview.id)
        if fresh is None:
            raise Closing(CloseCode.NOT_FOUND, "interview not found")
        self.interview = fresh
        self.received_upto = self.acked
        room = await self.hub.room(fresh)
        self.room = room
        if role == "candidate":
            previous = room.candidate
            room.candidate = self
            if previous is not None:
                previous.superseded()
            await self.hub.claim_candidate(fresh.id, self.id)
            await self.hub.ensure_flow(room)
        else:
            room.observers.add(self)
        self._counted = metrics.CONNECTIONS[role]
        self._counted.inc()
        log.info("%s joined at #%s (resuming after #%s)", role, room.head, hello.last_seq,
                 extra=self._context())
        self._catch_up_from = hello.last_seq
        self._live_from = room.head + 1
        self._welcome_frame = encode(self._welcome(room.head))
        self._writer = asyncio.create_task(self._write(), name=f"ws-writer-{self.id}")
        room.announce_presence()

    def _welcome(self, head: int) -> Welcome:
        interview = self.interview
        return Welcome(
            interview=InterviewSummary(
                id=str(interview.id),
                status=interview.status,
                phase=interview.phase,
                kind=interview.kind,
                role_title=interview.role_title,
                question_idx=interview.question_idx,
                questions_total=interview.questions_total,
            ),
            acked=self.acked,
            head=head,
            server_time=now_ms(),
        )

    # ----- sending -----------------------------------------------------------

    async def _write(self) -> None:
        """Welcome and catch up; from then on frames are sent as they become due."""
        try:
            self._sent_upto = await self._catch_up()
        except asyncio.CancelledError:
            raise
        except Exception:
            self._send_failed()
            return
        self._writer = None
        self._busy = False
        self._pump()

    def _pump(self) -> None:
        """Send what is due, each frame in place while the socket takes it at once."""
        if self._busy:
            return
        take = self.outbox.take
        for _ in range(YIELD_EVERY_FRAMES):
            ack, item = take()
            if ack is not None:
                frame, kind = encode(Ack(upto=ack)), "ack"
            elif item is None:
                return
            else:
                if item.seq is not None:
                    if item.seq <= self._sent_upto:
                        continue
                    self._sent_upto = item.seq
                frame, kind = item.frame, item.kind
            try:
                rest = run_eagerly(self._send_frame(frame))
            except Exception:
                self._send_failed()
                return
            if rest is not None:
                self._busy = True
                self._writer = asyncio.create_task(self._finish(rest, ack, kind),
                                                   name=f"ws-send-{self.id}")
                return
            self._sent(ack, kind)
        # A long queue must not hold the event loop: the rest goes on its next turn.
        self._busy = True
        asyncio.get_running_loop().call_soon(self._resume)

    async def _finish(self, rest: Rest, ack: int | None, kind: str) -> None:
        """The rest of a send that had to wait for the socket; then the frames due since."""
        try:
            await rest
        except asyncio.CancelledError:
            raise
        except Exception:
            self._send_failed()
            return
        self._sent(ack, kind)
        self._writer = None
        self._resume()

    def _resume(self) -> None:
        self._busy = False
        self._pump()

    def _sent(self, ack: int | None, kind: str) -> None:
        if ack is not None:
            self.ack_sent = ack
        metrics.FRAMES_OUT.get(kind, metrics.FRAMES_OUT_OTHER).inc()
        self.outbox.sent()

    def _send_failed(self) -> None:
        """The socket is gone: stop sending, and end the handler."""
        log.debug("sending to %s stopped", self.id, exc_info=True)
        self._busy = True
        if self._handler is not None:
            self._handler.cancel()

    async def _catch_up(self) -> int:
        """Send logged events after the client's ``last_seq`` up to where live delivery began."""
        await self._send_frame(self._welcome_frame)
        after = self._catch_up_from
        upto = self._live_from - 1
        while after < upto:
            async with self.hub.db.transaction() as session:
                rows = await events_after(
                    session, self.interview.id, after, CATCH_UP_PAGE, upto=upto
                )
            if not rows:
                break
            for row in rows:
                after = row.seq
                event = from_row(row)
                if self.role == "candidate" and not event.visible_to_candidate():
                    continue
                await self._send_frame(event.frame)
                metrics.FRAMES_OUT.get(event.kind, metrics.FRAMES_OUT_OTHER).inc()
        return max(after, self._catch_up_from)

    def send_event(self, item: Outgoing) -> None:
        try:
            self.outbox.push(item)
        except Overflow as overflow:
            log.info("closing %s %s: %s", self.role, self.id, overflow)
            self.close_soon(CloseCode.TOO_FAR_BEHIND, "too far behind; reconnect with last_seq")

    def send_control(self, frame: bytes) -> None:
        self.send_event(Outgoing(frame))

    def send_error(self, code: ErrorCode, message: str, *, ref: int | None = None,
                   fatal: bool = False, expected: int | None = None) -> None:
        error = Error(code=code, message=message, ref=ref, fatal=fatal, expected=expected)
        metrics.protocol_error(str(code))
        log.info("protocol error %s: %s", code, message,
                 extra={**self._context(), "error_code": str(code)})
        self.send_control(encode(error))

    # ----- receiving ---------------------------------------------------------

    async def _receive(self, frame: str | bytes) -> None:
        if not self._rate.take():
            raise _rate_limited("too many messages")
        if not self._byte_rate.take(len(frame)):
            raise _rate_limited("too many bytes")
        try:
            envelope = decode_client_frame(frame, self.limits)
        except ProtocolError as error:
            metrics.protocol_error(str(error.code))
            if error.fatal:
                raise Closing(error.close_code or CloseCode.POLICY, error.message) from None
            self.send_control(encode(error.to_error()))
            if error.ref is not None and error.ref == self.received_upto + 1:
                self._refuse(error.ref, error.code)
            return
        message = envelope.message
        metrics.FRAMES_IN[message.TYPE].inc()
        if isinstance(message, Ping):
            self.outbox.set_pong(_PONG)
            return
        if isinstance(message, Hello):
            self.send_error(ErrorCode.CONFLICT, "hello was already received")
            return
        seq = envelope.seq
        assert seq is not None
        if self.draining:
            return  # not taken, not acknowledged: the client resends it after reconnecting
        if seq <= self.received_upto:
            if seq <= self.acked:
                self.outbox.set_ack(self.acked)
            return
        if seq != self.received_upto + 1:
            self.send_error(ErrorCode.SEQ_GAP, f"expected seq {self.received_upto + 1}",
                            ref=seq, expected=self.received_upto + 1)
            return
        refusal = self._refusal(message)
        if refusal is not None:
            self.send_error(refusal[0], refusal[1], ref=seq)
            self._refuse(seq, refusal[0])
            return
        self.received_upto = seq
        self._append(envelope, len(frame))

    def _refuse(self, seq: int, code: ErrorCode) -> None:
        """A refused data message is not stored, but its seq is used up, durably: the
        refusal is recorded so that ``acked`` covers it, now and after a reconnect."""
        self.received_upto = seq
        if self.stream is None:
            return
        self._track(seq, self.hub.writer.append(Append(
            interview_id=self.interview.id, kind="", d={}, ts=now_ms(), stream=self.stream,
            client_seq=seq, refused=str(code), settled=self._settle,
        )))

    def _refusal(self, message: Any) -> tuple[ErrorCode, str] | None:
        kind = message.TYPE
        if kind in CANDIDATE_KINDS and self.role != "candidate":
            return ErrorCode.FORBIDDEN, f"only the candidate sends {kind}"
        if isinstance(message, NoteRequest):
            if self.role != "observer" or self.user.role != "instructor":
                return ErrorCode.FORBIDDEN, "only instructors send notes"
        if isinstance(message, AskRequest):
            if self.role != "observer" or self.user.role != "instructor":
                return ErrorCode.FORBIDDEN, "only instructors observing the interview ask questions"
            if self.interview.status == "finished" or (self.room is not None and self.room.finished):
                return ErrorCode.CONFLICT, "the interview is over"
        if isinstance(message, Audio):
            if message.chunk != self._next_audio_chunk:
                return ErrorCode.BAD_PAYLOAD, (
                    f"audio chunk {message.chunk} out of order: expected {self._next_audio_chunk}"
                )
            self._next_audio_chunk += 1
        return None

    def _append(self, envelope: Envelope[Any], frame_bytes: int) -> None:
        message = envelope.message
        seq = envelope.seq
        assert seq is not None
        audio = None
        if isinstance(message, NoteRequest):
            kind = "note"
            d: dict[str, Any] = {"from": self.user_id, "name": self.display_name,
                                 "text": message.text, "to": str(message.to)}
        elif isinstance(message, AskRequest):
            kind = "ask"
            d = {"from": self.user_id, "name": self.display_name, "text": message.text}
        else:
            kind = message.TYPE
            d = message.to_payload()
            if isinstance(message, Audio):
                audio = Chunk(self.interview.id, self.stream or self.id, message.chunk,
                              message.mime, message.data)
        try:
            future = self.hub.writer.append(
                Append(
                    interview_id=self.interview.id, kind=kind, d=d, ts=now_ms(),
                    stream=self.stream, client_seq=seq if self.stream is not None else None,
                    audio=audio, settled=self._settle, urgent=kind == "state",
                ),
                frame_bytes=frame_bytes,
            )
        except Unavailable as error:
            self.received_upto = seq - 1
            if isinstance(message, Audio):
                self._next_audio_chunk -= 1
            self.send_error(ErrorCode.UNAVAILABLE, str(error), ref=seq)
            return
        self._track(seq, future)

    def _track(self, seq: int, future: asyncio.Future[StoredEvent | None]) -> None:
        """Acknowledge ``seq`` once its write settles: the writer calls ``_settle`` then."""
        self._in_flight.append((seq, future, time.perf_counter()))
        if future.done():  # settled already, before it was tracked (it could not be packed)
            self._settle()

    def _settle(self) -> None:
        """Acknowledge, in order, every data message whose write has finished."""
        advanced = False
        in_flight = self._in_flight
        now = time.perf_counter()
        while in_flight and in_flight[0][1].done():
            seq, future, received = in_flight.popleft()
            if future.exception() is not None:
                # Never acknowledge what is not stored: the client reconnects and resends.
                self.close_soon(CloseCode.INTERNAL, f"message {seq} could not be stored")
                break
            metrics.ACK_LATENCY.observe(now - received)
            self.acked = seq
            advanced = True
        if advanced:
            self.outbox.set_ack(self.acked)
