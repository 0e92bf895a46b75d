"""Messages per second at saturation: the bare echo versus the engine's candidate path.

Each connection keeps ``window`` messages in flight. Echo: a message is done when it comes
back. Engine: a candidate's face message is done when it is acknowledged (decoded,
validated, committed to PostgreSQL) and its observer has received it (fan-out).
Both send the same face message (5 frames, the browser's batch).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from typing import Any

import msgpack
from websockets.asyncio.client import connect

from server.loadtest.worker import run_async as _run_async
from server.loadtest.session import Api, Candidate, Profile, Session, now_ms
from server.loadtest.stats import own_cpu_s, process_cpu_s, run_queue_wait_s


def face_payload() -> dict[str, Any]:
    base = now_ms()
    return {"frames": [
        {"t": base - (4 - i) * 66, "present": True, "yaw": -3.25, "pitch": 1.5, "roll": 0.75,
         "eye_contact": 0.812, "emotion": "neutral", "emotion_score": 0.77, "smile": 0.12,
         "blink": False}
        for i in range(5)
    ]}


class Counters:
    def __init__(self) -> None:
        self.done = 0
        self.delivered = 0
        self.compressed = 0


async def _echo_connection(url: str, window: int, counters: Counters, stop: asyncio.Event,
                           offer_deflate: bool) -> None:
    payload = face_payload()
    # A browser always offers permessage-deflate; whether it is used is the server's choice.
    async with connect(url, max_size=None, compression="deflate" if offer_deflate else None,
                       ping_interval=None) as ws:
        if "permessage-deflate" in (ws.response.headers.get("Sec-WebSocket-Extensions") or ""):
            counters.compressed += 1
        seq = 0
        for _ in range(window):
            seq += 1
            await ws.send(msgpack.packb({"t": "face", "seq": seq, "ts": now_ms(), "d": payload}))
        while not stop.is_set():
            msgpack.unpackb(await ws.recv())
            counters.done += 1
            counters.delivered += 1
            seq += 1
            await ws.send(msgpack.packb({"t": "face", "seq": seq, "ts": now_ms(), "d": payload}))


class WindowedCandidate(Candidate):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.progress = asyncio.Event()

    def _ack(self, upto: int) -> None:
        super()._ack(upto)
        self.progress.set()


async def _engine_session(base_url: str, instructor: Api) -> Session:
    session = await Session.create(base_url, Profile(), observers=1, instructor=instructor)
    session.candidate = WindowedCandidate(session.candidate_api, session.interview_id, Profile())
    session.observers[0].candidate = session.candidate
    await session.connect()
    return session


async def _engine_connection(session: Session, window: int, stop: asyncio.Event) -> None:
    candidate = session.candidate
    assert isinstance(candidate, WindowedCandidate)
    payload = face_payload()
    while not stop.is_set():
        if candidate.last_sent - candidate.acked < window:
            await candidate.send("face", payload)
        else:
            candidate.progress.clear()
            try:
                await asyncio.wait_for(candidate.progress.wait(), 1)
            except TimeoutError:
                pass


async def _client(mode: str, url: str, connections: int, window: int, warmup_s: float,
                  duration_s: float, offer_deflate: bool, ready: Any, go: Any) -> dict[str, Any]:
    stop = asyncio.Event()
    counters = Counters()
    sessions: list[Session] = []
    instructor = Api(url)
    if mode == "engine":
        limit = asyncio.Semaphore(8)
        await instructor.sign_up("instructor")

        async def one() -> Session:
            async with limit:
                return await _engine_session(url, instructor)

        sessions = list(await asyncio.gather(*(one() for _ in range(connections))))
    ready.put("ready")
    await asyncio.get_running_loop().run_in_executor(None, go.wait)
    if mode == "echo":
        ws_url = url.replace("http", "ws", 1) + "/ws"
        tasks = [asyncio.create_task(_echo_connection(ws_url, window, counters, stop,
                                                      offer_deflate))
                 for _ in range(connections)]
    else:
        tasks = [asyncio.create_task(_engine_connection(s, window, stop)) for s in sessions]

    def snapshot() -> tuple[int, int]:
        if mode == "echo":
            return counters.done, counters.delivered
        return (sum(s.candidate.acked for s in sessions),
                sum(len(o.seen) for s in sessions for o in s.observers))

    await asyncio.sleep(warmup_s)
    done0, delivered0 = snapshot()
    cpu0, t0 = own_cpu_s(), time.monotonic()
    await asyncio.sleep(duration_s)
    done1, delivered1 = snapshot()
    cpu1, t1 = own_cpu_s(), time.monotonic()
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for session in sessions:
        await session.close()
    await instructor.close()
    return {"done": done1 - done0, "delivered": delivered1 - delivered0,
            "cpu": (cpu1 - cpu0) / (t1 - t0), "wall_s": t1 - t0,
            "compressed": counters.compressed}


def _worker(*args: Any) -> None:
    *rest, ready, go, results = args
    try:
        results.put(_run_async(_client(*rest, ready, go)))
    except BaseException as error:
        ready.put(f"failed: {type(error).__name__}: {error}")
        results.put({"error": f"{type(error).__name__}: {error}"})


def measure(mode: str, url: str, server_pid: int, *, connections: int, window: int,
            processes: int, warmup_s: float = 2.0, duration_s: float = 8.0,
            offer_deflate: bool = False) -> dict[str, Any]:
    """Messages/s completed at saturation, with the server's and the clients' CPU."""
    context = multiprocessing.get_context("spawn")
    ready, results, go = context.Queue(), context.Queue(), context.Event()
    shares = [connections // processes + (i < connections % processes) for i in range(processes)]
    workers = [context.Process(target=_worker, daemon=True, args=(
        mode, url, share, window, warmup_s, duration_s, offer_deflate, ready, go, results))
        for share in shares]
    for worker in workers:
        worker.start()
    try:
        for _ in workers:
            status = ready.get(timeout=300)
            if status != "ready":
                raise RuntimeError(status)
        go.set()
        time.sleep(warmup_s)
        cpu0, wait0, t0 = process_cpu_s(server_pid), run_queue_wait_s(server_pid), time.monotonic()
        time.sleep(duration_s)
        cpu1, wait1, t1 = process_cpu_s(server_pid), run_queue_wait_s(server_pid), time.monotonic()
        parts = [results.get(timeout=120) for _ in workers]
    finally:
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.terminate()
    errors = [p["error"] for p in parts if "error" in p]
    if errors:
        raise RuntimeError(errors[0])
    wall = sum(p["wall_s"] for p in parts) / len(parts)
    done = sum(p["done"] for p in parts)
    server_cpu = (cpu1 - cpu0) / (t1 - t0) if cpu0 is not None and cpu1 is not None else None
    return {
        "mode": mode, "connections": connections, "window": window, "processes": processes,
        "messages_per_s": round(done / wall, 1),
        "delivered_per_s": round(sum(p["delivered"] for p in parts) / wall, 1),
        "server_cpu": round(server_cpu, 3) if server_cpu is not None else None,
        # The share of the window the server was ready to run but had no CPU (crowding).
        "server_cpu_wait": round((wait1 - wait0) / (t1 - t0), 3)
        if wait0 is not None and wait1 is not None else None,
        "server_us_per_message": round(server_cpu * 1e6 / (done / wall), 1)
        if server_cpu is not None and done else None,
        "client_cpu": [round(p["cpu"], 3) for p in parts],
        "client_saturated": any(p["cpu"] >= 0.85 for p in parts),
        "compressed_connections": sum(p["compressed"] for p in parts),
    }
