"""A slow observer never slows the candidate: it first loses superseded ``face`` events from
its queue, then, past the hard bound, is closed with 4010 and resumes from the log.

The server is a separate process; the observer under test is a websockets client that stops
reading. Its socket gets a small receive buffer so that the TCP pipeline between the two
(server send buffer, client receive buffer, the client's message queue) holds a few MB at
most, whatever the host's buffer autotuning: past that, events pile up in the server's
per-connection outbox, which is what is under test.
"""

from __future__ import annotations

import asyncio
import random
import socket
import time
from dataclasses import dataclass, field
from typing import Any, Iterator
from urllib.parse import urlsplit

import msgpack

from protocol import Audio, Face, FaceFrame, Transcript, decode_server_frame
from tests.hub.peer import Api, Peer

MIME = "audio/webm;codecs=opus"
AUDIO_BYTES = 100_000
# Frames the candidate may have unacknowledged, like a browser's bounded outbox.
WINDOW = 64
# More than the pipeline can hold (a few MB) but well under the outbox's 16 MiB.
FILL_BYTES = 12_000_000
# More than the pipeline and the outbox's 16 MiB together.
OVERFLOW_BYTES = 40_000_000


def load(seed: int) -> Iterator[Any]:
    """The candidate's stream: per round an audio chunk of ~100 KB, six face batches and
    two transcripts (an interim one, then the final one)."""
    rng = random.Random(seed)
    data = rng.randbytes(AUDIO_BYTES + 1000)
    number = 0
    while True:
        offset = rng.randrange(1000)
        yield Audio(chunk=number, mime=MIME, data=data[offset : offset + AUDIO_BYTES])
        for part in range(2):
            for batch in range(3):
                yield Face(frames=tuple(
                    FaceFrame(t=number * 1000 + part * 300 + batch * 50 + k, present=True,
                              yaw=rng.uniform(-20, 20), eye_contact=rng.random())
                    for k in range(5)
                ))
            yield Transcript(seg=number, text=f"round {number} part {part} " * 4,
                             final=part == 1, src="speech")
        number += 1


def small_frames(start: int, count: int) -> Iterator[Any]:
    """Faces and transcripts only: many events, few bytes."""
    for i in range(count):
        if i % 3 == 2:
            yield Transcript(seg=start + i, text=f"small {i}", final=True, src="typed")
        else:
            yield Face(frames=(FaceFrame(t=start * 1000 + i, present=i % 5 != 0),))


@dataclass
class Streamer:
    """The candidate: sends with a bounded window and times every acknowledgement."""

    peer: Peer
    sent_at: dict[int, float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    sent_bytes: int = 0
    _reader: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        while True:
            before = self.peer.acked
            await self.peer.receive(timeout=30)
            now = time.monotonic()
            for seq in range(before + 1, self.peer.acked + 1):
                self.latencies.append(now - self.sent_at.pop(seq))

    async def send(self, frames: Iterator[Any], *, until_bytes: int | None = None,
                   count: int | None = None) -> None:
        sent = 0
        start_bytes = self.sent_bytes
        while (count is None or sent < count) and (
            until_bytes is None or self.sent_bytes - start_bytes < until_bytes
        ):
            while len(self.peer.outbox) >= WINDOW:
                self._check_reader()
                await asyncio.sleep(0.0005)
            frame = next(frames)
            seq = await self.peer.send(frame)
            self.sent_at[seq] = time.monotonic()
            self.sent_bytes += len(frame.data) if isinstance(frame, Audio) else 100
            sent += 1

    async def all_acked(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while self.peer.acked < self.peer.next_seq - 1:
            self._check_reader()
            assert time.monotonic() < deadline, f"acked {self.peer.acked} of {self.peer.next_seq - 1}"
            await asyncio.sleep(0.005)
        assert not self.peer.outbox and not self.sent_at

    def _check_reader(self) -> None:
        assert self._reader is not None
        if self._reader.done():
            self._reader.result()

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            # Once everything is acknowledged the candidate hears nothing more, and a slow
            # machine may take longer than the reader's timeout over the checks that follow.
            except (asyncio.CancelledError, TimeoutError):
                pass
        await self.peer.close()


async def small_buffer_socket(base_url: str) -> socket.socket:
    """A connected client socket with a small receive buffer (fixed, not autotuned)."""
    address = urlsplit(base_url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (address.hostname, address.port))
    return sock


async def setting(api: Api, instructor: Api) -> tuple[str, Streamer]:
    await api.sign_up()
    interview = await api.interview()
    await api.grant(interview, instructor.user["username"])
    candidate = Peer(await api.ws_url(interview, "candidate"), "candidate")
    await candidate.connect()
    streamer = Streamer(candidate)
    streamer.start()
    return interview, streamer


def face_only_gaps(peer: Peer, log: dict[int, dict[str, Any]]) -> list[int]:
    """The seqs missing from what ``peer`` received; each must be a ``face`` event."""
    received = {e.seq for e in peer.events}
    missing = [seq for seq in range(1, peer.last_seq + 1) if seq not in received]
    not_faces = [(seq, log[seq]["t"]) for seq in missing if log[seq]["t"] != "face"]
    assert not_faces == [], f"non-face events were dropped: {not_faces[:10]}"
    return missing


def assert_as_logged(peer: Peer, log: dict[int, dict[str, Any]]) -> None:
    """Every event ``peer`` received is the logged one (as the events API returns it)."""
    for envelope in peer.events:
        logged = decode_server_frame(msgpack.packb(log[envelope.seq], use_bin_type=True))
        assert envelope == logged, envelope.seq


async def test_a_stalled_observer_is_coalesced_then_closed_and_resumes(
    api: Api, instructor: Api, server: str
) -> None:
    interview, streamer = await setting(api, instructor)
    candidate = streamer.peer
    url = await instructor.ws_url(interview, "observer")
    observer = Peer(url, "observer", options={
        "sock": await small_buffer_socket(server), "ping_interval": None, "max_queue": 4,
    })
    await observer.connect()
    try:
        # 1. The observer stops reading. Audio fills the pipeline and then its outbox;
        #    then many small frames push the outbox past its soft bound (256 frames), so
        #    superseded faces are dropped from it, while it stays under the hard bound.
        frames = load(seed=1)
        await streamer.send(frames, until_bytes=FILL_BYTES)
        # Past the outbox's stall time (0.25 s) with its writer blocked: the small frames
        # then meet a stalled member, however fast the fill went through.
        await asyncio.sleep(0.5)
        await streamer.send(small_frames(10_000, 900), count=900)
        await streamer.all_acked()
        head = candidate.next_seq - 1  # no server events in this interview: seq = client seq
        # 2. It reads again, catches up with the log head without being closed, and what
        #    it got has gaps, all of them at face events.
        await observer.until(lambda p: p.last_seq == head, timeout=20)
        log = {e["seq"]: e for e in await api.events(interview)}
        assert len(log) == head
        coalesced = face_only_gaps(observer, log)
        assert coalesced, "no face was coalesced: the outbox never passed its soft bound"
        assert_as_logged(observer, log)
        received_before = len(observer.events)

        # 3. It stops reading again; the candidate goes on far past the hard bound.
        await streamer.send(frames, until_bytes=OVERFLOW_BYTES)
        await streamer.all_acked()
        # 4. When it reads again it gets what was sent before the closure, then 4010.
        assert await observer.close_code(timeout=10) == 4010
        log = {e["seq"]: e for e in await api.events(interview)}
        head = max(log)
        assert observer.last_seq < head
        face_only_gaps(observer, log)
        assert_as_logged(observer, log)
        closed_at = observer.last_seq

        # The candidate never waited for the observer: every frame was acknowledged while
        # the observer was not reading (how fast is for the benchmarks to say).
        assert candidate.errors == []
        assert len(streamer.latencies) == head

        # 5. Resuming from its last seq, it gets everything after it from the log, in order.
        observer.options = {"ping_interval": None}
        welcome = await observer.connect(await instructor.ws_url(interview, "observer"))
        assert welcome.head == head
        await observer.until(lambda p: p.last_seq == head, timeout=20)
        resumed = [e.seq for e in observer.events[received_before:] if e.seq > closed_at]
        assert resumed == list(range(closed_at + 1, head + 1))
        assert_as_logged(observer, log)
        assert set(face_only_gaps(observer, log)) <= set(range(1, closed_at))
        print(f"\nstalled observer: {len(coalesced)} faces coalesced while behind, closed at "
              f"#{closed_at} of {head}")
    finally:
        await observer.close()
        await streamer.stop()


async def test_a_reading_observer_gets_every_event(api: Api, instructor: Api) -> None:
    interview, streamer = await setting(api, instructor)
    observer = Peer(await instructor.ws_url(interview, "observer"), "observer")
    await observer.connect()
    watching = asyncio.create_task(observer.until(lambda p: False, timeout=60))
    try:
        frames = load(seed=2)
        await streamer.send(frames, until_bytes=FILL_BYTES)
        await streamer.send(small_frames(10_000, 900), count=900)
        await streamer.send(frames, until_bytes=FILL_BYTES)
        await streamer.all_acked()
        head = streamer.peer.next_seq - 1
        deadline = time.monotonic() + 20
        while observer.last_seq < head and not watching.done():
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)
        assert not watching.done(), watching.exception()
        assert observer.gaps == []
        log = await api.events(interview)
        assert [e.seq for e in observer.events] == [e["seq"] for e in log] == list(range(1, head + 1))
        assert_as_logged(observer, {e["seq"]: e for e in log})
        assert streamer.peer.errors == [] and len(streamer.latencies) == head
    finally:
        watching.cancel()
        try:
            await watching
        except (asyncio.CancelledError, TimeoutError):
            pass
        await observer.close()
        await streamer.stop()
