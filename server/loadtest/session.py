"""One simulated interview: a candidate and its observers, speaking the protocol exactly.

The candidate keeps an outbox of every data message until the server acknowledges it and
resends what is not acknowledged after a reconnect (hello with its stream and ``last_seq``);
observers resume from the last event they applied. Send times are kept per client ``seq``,
so acknowledgement latency and candidate-to-observer latency are measured without clocks
crossing processes (a candidate and its observers live in the same process).
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import msgpack
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

PASSWORD = "load-generator password"
RELAYED = ("transcript", "face", "audio", "state")

# A candidate answering a backend question, cut into the segments speech recognition yields.
SENTENCES = (
    "So the first thing I would do is look at where the latency actually comes from",
    "I would put a cache in front of the read path and measure the hit rate",
    "We had a similar problem at my last job with a service that called three others",
    "The trade-off is consistency, because the cache can serve stale data for a while",
    "I would add an index on the columns we filter by and check the query plan",
    "Then I would load test it again and compare the p99 with the baseline",
    "For writes I would batch them and commit in groups to save on fsync",
    "Honestly I am not sure about the exact number, but it was around a few thousand",
    "Um, I think the main risk is the queue growing faster than we can drain it",
    "If it falls behind we shed load and tell the client to retry later",
)


@dataclass(frozen=True)
class Profile:
    """What one candidate sends per second (the browser's defaults), and how long it takes
    to start answering and to answer (a spoken interview answer runs one to two minutes)."""

    face_fps: float = 15.0
    face_batch: int = 5
    transcript_per_s: float = 3.0
    audio_per_s: float = 4.0
    audio_bytes: int = 1024
    think_s: float = 3.0
    answer_s: float = 60.0
    questions: int = 20


def now_ms() -> int:
    return int(time.time() * 1000)


class Api:
    """One account's HTTP session with the server."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        # Idle connections are dropped before the server's keep-alive timeout (5 s in hypercorn)
        # can close them under a request being sent.
        self.http = httpx.AsyncClient(base_url=self.base_url, timeout=60,
                                      limits=httpx.Limits(keepalive_expiry=2.0))
        self.username = ""

    async def close(self) -> None:
        await self.http.aclose()

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A request, tried again when the connection could not even be opened (a busy
        server's full accept queue): nothing was sent, so nothing happens twice."""
        for attempt in range(5):
            try:
                return await self.http.request(method, path, **kwargs)
            except httpx.ConnectError:
                if attempt == 4:
                    raise
                await asyncio.sleep(0.5 * (attempt + 1))
        raise AssertionError("unreachable")

    async def _check(self, response: httpx.Response, *expected: int) -> Any:
        if response.status_code not in expected:
            raise RuntimeError(
                f"{response.request.method} {response.request.url.path}: "
                f"{response.status_code} {response.text[:200]}"
            )
        return response.json() if response.content else None

    async def sign_up(self, role: str) -> None:
        self.username = f"{role[:4]}-{secrets.token_hex(6)}"
        await self._check(await self._request(
            "POST", "/api/users",
            json={"username": self.username, "password": PASSWORD, "role": role,
                  "display_name": f"Load {role} {self.username[-4:]}"},
        ), 201)
        await self._check(await self._request(
            "POST", "/api/session", json={"username": self.username, "password": PASSWORD}
        ), 200)

    async def create_interview(self, questions: int) -> str:
        body = await self._check(await self._request(
            "POST", "/api/interviews",
            json={"kind": "technical", "role_title": "Backend engineer", "difficulty": "mid",
                  "questions": questions},
        ), 201)
        return str(body["id"])

    async def grant(self, interview_id: str, username: str) -> None:
        await self._check(await self._request(
            "POST", f"/api/interviews/{interview_id}/observers", json={"username": username}
        ), 200, 201)

    async def ws_url(self, interview_id: str, role: str) -> str:
        body = await self._check(await self._request(
            "POST", f"/api/interviews/{interview_id}/tickets", json={"role": role}
        ), 201)
        url = str(body["url"])
        if url.startswith("/"):
            url = self.base_url.replace("http", "ws", 1) + url
        return url

    async def events(self, interview_id: str) -> list[dict[str, Any]]:
        collected: list[dict[str, Any]] = []
        after = 0
        while True:
            response = await self._request(
                "GET", f"/api/interviews/{interview_id}/events",
                params={"after": after, "limit": 5000},
                headers={"Accept": "application/msgpack"},
            )
            if response.status_code != 200:
                raise RuntimeError(f"events: {response.status_code} {response.text[:200]}")
            page = msgpack.unpackb(response.content)["events"]
            if not page:
                return collected
            collected.extend(page)
            after = page[-1]["seq"]


class Member:
    """A websocket member that reconnects and resumes until stopped."""

    role = ""

    def __init__(self, api: Api, interview_id: str) -> None:
        self.api = api
        self.interview_id = interview_id
        self.ws: ClientConnection | None = None
        self.last_seq = 0
        self.received = 0
        # Logged events skipped (seq jumps; allowed only for superseded face frames) or repeated.
        self.gaps = 0
        self.repeated = 0
        self.reconnects = 0
        self.errors: Counter[str] = Counter()
        self.close_codes: Counter[int] = Counter()
        self.stopping = False
        self.connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def hello(self) -> dict[str, Any]:
        return {"v": 1, "role": self.role, "last_seq": self.last_seq}

    async def start(self) -> None:
        await self._connect()
        self._task = asyncio.create_task(self._run())

    async def _connect(self) -> None:
        url = await self.api.ws_url(self.interview_id, self.role)
        ws = await connect(url, max_size=None, compression=None, open_timeout=30,
                           ping_interval=None)
        await ws.send(msgpack.packb({"t": "hello", "ts": now_ms(), "d": self.hello()}))
        welcome = msgpack.unpackb(await asyncio.wait_for(ws.recv(), 30))
        if welcome.get("t") != "welcome":
            raise RuntimeError(f"{self.role}: expected welcome, got {welcome!r:.200}")
        await self.welcomed(ws, welcome["d"])

    async def welcomed(self, ws: ClientConnection, welcome: dict[str, Any]) -> None:
        self.ws = ws
        self.connected.set()

    async def _run(self) -> None:
        while True:
            ws = self.ws
            assert ws is not None
            try:
                async for frame in ws:
                    self.on_frame(msgpack.unpackb(frame))
            except ConnectionClosed:
                pass
            code = ws.close_code if ws.close_code is not None else 1006
            self.ws = None
            self.connected.clear()
            if self.stopping:
                return
            self.close_codes[code] += 1
            self.reconnects += 1
            while not self.stopping:
                try:
                    await asyncio.sleep(0.2)
                    await self._connect()
                    break
                except (TimeoutError, OSError, ConnectionClosed, RuntimeError):
                    continue
            if self.stopping:
                return

    def on_frame(self, frame: dict[str, Any]) -> None:
        seq = frame.get("seq")
        if seq is not None:
            self.received += 1
            if seq <= self.last_seq:
                self.repeated += 1
                return
            if seq > self.last_seq + 1:
                self.gaps += 1
            self.last_seq = seq
            self.on_event(frame)
        elif frame.get("t") == "error":
            self.errors[str(frame["d"].get("code"))] += 1
        else:
            self.on_control(frame)

    def on_event(self, frame: dict[str, Any]) -> None:
        pass

    def on_control(self, frame: dict[str, Any]) -> None:
        pass

    async def close(self) -> None:
        self.stopping = True
        if self.ws is not None:
            await self.ws.close()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, 10)
            except TimeoutError:
                self._task.cancel()


class Candidate(Member):
    role = "candidate"

    def __init__(self, api: Api, interview_id: str, profile: Profile) -> None:
        super().__init__(api, interview_id)
        self.profile = profile
        self.stream = str(uuid.uuid4())
        self.next_seq = 1
        self.acked = 0
        self.outbox: dict[int, bytes] = {}
        self.sent_at: dict[int, float] = {}
        self.kinds: dict[int, str] = {}
        self.sent: Counter[str] = Counter()
        self.ack_ms: list[float] = []
        self.phase = "lobby"
        self.phase_since = time.monotonic()
        self.answering_since: float | None = None
        self.finished = False
        self._chunk = 0
        self._seg = 0
        self._audio = os.urandom(profile.audio_bytes)
        self._flushing = False
        # Latencies count for messages sent from this time (perf_counter) on.
        self.measure_from = 0.0
        self.started = asyncio.Event()

    def hello(self) -> dict[str, Any]:
        return {**super().hello(), "stream": self.stream}

    async def welcomed(self, ws: ClientConnection, welcome: dict[str, Any]) -> None:
        self._ack(int(welcome.get("acked", 0)))
        # Resend every unacknowledged message in order; messages queued meanwhile follow.
        sent_upto = self.acked
        while True:
            pending = [seq for seq in self.outbox if seq > sent_upto]
            if not pending:
                break
            for seq in sorted(pending):
                await ws.send(self.outbox[seq])
                sent_upto = seq
        await super().welcomed(ws, welcome)

    def _ack(self, upto: int) -> None:
        if upto <= self.acked:
            return
        now = time.perf_counter()
        for seq in range(self.acked + 1, upto + 1):
            self.outbox.pop(seq, None)
            sent = self.sent_at.get(seq)
            if sent is not None and sent >= self.measure_from:
                self.ack_ms.append((now - sent) * 1000)
        self.acked = upto

    def on_control(self, frame: dict[str, Any]) -> None:
        if frame.get("t") == "ack":
            self._ack(int(frame["d"]["upto"]))

    def on_event(self, frame: dict[str, Any]) -> None:
        if frame.get("t") == "phase":
            self.phase = str(frame["d"].get("phase"))
            self.phase_since = time.monotonic()
            if self.phase != "lobby":
                self.started.set()
            if self.phase == "finished":
                self.finished = True

    async def send(self, kind: str, d: dict[str, Any]) -> None:
        seq = self.next_seq
        self.next_seq += 1
        frame = msgpack.packb({"t": kind, "seq": seq, "ts": now_ms(), "d": d})
        self.outbox[seq] = frame
        self.sent_at[seq] = time.perf_counter()
        self.kinds[seq] = kind
        self.sent[kind] += 1
        ws = self.ws
        if ws is not None:
            try:
                await ws.send(frame)
            except ConnectionClosed:
                pass  # resent from the outbox after the reconnect

    @property
    def last_sent(self) -> int:
        return self.next_seq - 1

    # The default profile, one kind at a time.

    async def send_face(self) -> None:
        base = now_ms()
        step = 1000 / self.profile.face_fps
        frames = []
        for i in range(self.profile.face_batch):
            r = secrets.randbelow(1000) / 1000
            frames.append({
                "t": int(base - (self.profile.face_batch - 1 - i) * step), "present": True,
                "yaw": round(-8 + 16 * r, 2), "pitch": round(-4 + 6 * r, 2),
                "roll": round(-2 + 4 * r, 2), "eye_contact": round(0.55 + 0.4 * r, 3),
                "emotion": "neutral" if r < 0.7 else "happy", "emotion_score": round(0.5 + r / 2, 3),
                "smile": round(r / 3, 3), "blink": r > 0.9,
            })
        await self.send("face", {"frames": frames})

    async def send_transcript(self, part: int) -> None:
        """Part 0 and 1 are interim results of a segment, part 2 its final text."""
        words = SENTENCES[self._seg % len(SENTENCES)].split()
        if part < 2:
            text = " ".join(words[: max(1, len(words) * (part + 1) // 3)])
            await self.send("transcript", {"seg": self._seg, "text": text, "final": False,
                                           "src": "speech"})
        else:
            await self.send("transcript", {"seg": self._seg, "text": " ".join(words),
                                           "final": True, "conf": 0.91, "src": "speech"})
            self._seg += 1

    async def send_audio(self) -> None:
        await self.send("audio", {"chunk": self._chunk, "mime": "audio/webm;codecs=opus",
                                  "data": self._audio})
        self._chunk += 1

    async def step_interview(self) -> None:
        """Start, then answer each question once it is asked, on the profile's schedule."""
        if self.finished:
            return
        now = time.monotonic()
        if not self.sent["state"]:
            await self.send("state", {"action": "start"})
        elif self.answering_since is not None:
            if now - self.answering_since >= self.profile.answer_s:
                self.answering_since = None
                await self.send("state", {"action": "answer_end"})
        elif self.phase == "asking" and now - self.phase_since >= self.profile.think_s:
            self.answering_since = now
            await self.send("state", {"action": "answer_start"})

    async def drive(self, duration_s: float, lateness: list[float]) -> None:
        """Send the profile for ``duration_s`` seconds on a fixed schedule."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        end = start + duration_s
        # (period, next due, action); transcript alternates interim, interim, final. Each
        # candidate's clock starts at a random point of each period, as real browsers do:
        # candidates that all send in the same millisecond measure a burst, not a load.
        periods = (
            (self.profile.face_batch / self.profile.face_fps, "face"),
            (1 / self.profile.transcript_per_s, "transcript"),
            (1 / self.profile.audio_per_s, "audio"),
            (0.25, "state"),
        )
        schedule: list[list[Any]] = [
            [period, start + random.random() * period, kind] for period, kind in periods
        ]
        part = 0
        while True:
            item = min(schedule, key=lambda entry: entry[1])
            due = item[1]
            if due >= end:
                return
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                lateness.append(-delay * 1000)
            item[1] += item[0]
            kind = item[2]
            if kind == "face":
                await self.send_face()
            elif kind == "transcript":
                await self.send_transcript(part)
                part = (part + 1) % 3
            elif kind == "audio":
                await self.send_audio()
            else:
                await self.step_interview()


class Observer(Member):
    role = "observer"

    def __init__(self, api: Api, interview_id: str, candidate: Candidate) -> None:
        super().__init__(api, interview_id)
        self.candidate = candidate
        self.seen: set[int] = set()
        self.duplicates = 0
        self.out_of_order = 0
        self.latency_ms: list[float] = []

    def on_event(self, frame: dict[str, Any]) -> None:
        if frame.get("t") not in RELAYED:
            return
        src = frame["d"].get("src_seq")
        if src is None:
            return
        if src in self.seen:
            self.duplicates += 1
            return
        if self.seen and src < max(self.seen) and frame.get("t") != "face":
            self.out_of_order += 1
        self.seen.add(src)
        sent = self.candidate.sent_at.get(src)
        if sent is not None and sent >= self.candidate.measure_from:
            self.latency_ms.append((time.perf_counter() - sent) * 1000)


@dataclass
class Session:
    """A candidate, its instructor account and the observers watching it."""

    candidate_api: Api
    instructor_api: Api
    interview_id: str
    candidate: Candidate
    observers: list[Observer] = field(default_factory=list)
    owns_instructor: bool = True

    @classmethod
    async def create(cls, base_url: str, profile: Profile, observers: int,
                     instructor: Api | None = None) -> Session:
        """A new candidate account and interview; the observers sign in as ``instructor``
        (one instructor watching many interviews) or, if None, as a new instructor account."""
        for attempt in range(3):
            try:
                return await cls._create(base_url, profile, observers, instructor)
            except httpx.TransportError:
                # A connection dropped under a request (a busy server): start over with
                # fresh accounts; the half-made ones are harmless.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    @classmethod
    async def _create(cls, base_url: str, profile: Profile, observers: int,
                      instructor: Api | None) -> Session:
        candidate_api = Api(base_url)
        owns_instructor = instructor is None
        try:
            await candidate_api.sign_up("candidate")
            if instructor is None:
                instructor = Api(base_url)
                await instructor.sign_up("instructor")
            interview_id = await candidate_api.create_interview(profile.questions)
            await candidate_api.grant(interview_id, instructor.username)
        except BaseException:
            await candidate_api.close()
            if owns_instructor and instructor is not None:
                await instructor.close()
            raise
        candidate = Candidate(candidate_api, interview_id, profile)
        session = cls(candidate_api, instructor, interview_id, candidate,
                      owns_instructor=owns_instructor)
        for _ in range(observers):
            # Each observer is a connection of its own (the same instructor may open several).
            session.observers.append(Observer(instructor, interview_id, candidate))
        return session

    async def connect(self) -> None:
        for observer in self.observers:
            await observer.start()
        await self.candidate.start()

    async def begin(self, timeout_s: float = 120) -> None:
        """Start the interview and wait for its first question: planning an interview is a
        one-off cost that belongs to setting up, not to the measured window."""
        await self.candidate.send("state", {"action": "start"})
        await asyncio.wait_for(self.candidate.started.wait(), timeout_s)

    async def close(self) -> None:
        await self.candidate.close()
        for observer in self.observers:
            await observer.close()
        await self.candidate_api.close()
        if self.owns_instructor:
            await self.instructor_api.close()
