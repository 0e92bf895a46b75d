"""One client process of the load generator: its share of the interviews, step by step.

The parent sends ``grow``, ``go`` or ``stop`` through the process's command queue. On
``grow`` the process grows to its share of the next step's interviews (sessions of earlier steps are
kept, so a capacity search does not sign everyone up again), reports ready, waits for
``go``, sends the profile for the step's duration on every interview, waits until every
message is acknowledged and relayed, and reports the step. After the last step (or
``stop``) it reads every interview's log back through the events API, when asked to.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Sequence

from server.loadtest.session import RELAYED, Api, Profile, Session
from server.loadtest.stats import own_cpu_s, run_queue_wait_s


@dataclass(frozen=True)
class Plan:
    url: str
    candidates: int
    observers_per_candidate: int
    duration_s: float
    processes: int
    profile: Profile
    # Sent before each measured window, not counted in its latencies.
    warmup_s: float = 2.0
    drain_timeout_s: float = 30.0
    verify_log: bool = True
    setup_concurrency: int = 8


def run_async(coroutine: Any) -> Any:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def worker(plan: Plan, shares: Sequence[int], commands: Any, results: Any) -> None:
    """Process entry point; ``shares`` is this process's number of interviews per step."""
    try:
        run_async(_main(plan, shares, commands, results))
    except BaseException as error:  # reported to the parent, which fails the run
        results.put(("failed", f"{type(error).__name__}: {error}"))


async def _command(commands: Any) -> str:
    return str(await asyncio.get_running_loop().run_in_executor(None, commands.get))


async def _main(plan: Plan, shares: Sequence[int], commands: Any, results: Any) -> None:
    limit = asyncio.Semaphore(plan.setup_concurrency)
    # One instructor per client process watches all of its interviews.
    instructor = Api(plan.url)
    await instructor.sign_up("instructor")
    sessions: list[Session] = []

    async def one() -> Session:
        async with limit:
            session = await Session.create(plan.url, plan.profile, plan.observers_per_candidate,
                                           instructor)
            await session.connect()
            await session.begin()
            return session

    try:
        step = 0
        while (command := await _command(commands)) != "stop":
            if command == "grow":
                wanted = shares[step] - len(sessions)
                sessions.extend(await asyncio.gather(*(one() for _ in range(wanted))))
                results.put(("ready", step, len(sessions)))
            elif command == "go":
                results.put(("step", step, await _step(plan, sessions)))
                step += 1
        log_check = Counter[str]()
        if plan.verify_log:
            for session in sessions:
                log_check.update(await _verify_log(session))
        results.put(("log", dict(log_check)))
    finally:
        for session in sessions:
            await session.close()
        await instructor.close()


async def _lag_probe(samples: list[float], stop: asyncio.Event) -> None:
    """How late the event loop wakes up: the client's own saturation signal."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        before = loop.time()
        await asyncio.sleep(0.05)
        samples.append(max(0.0, (loop.time() - before - 0.05) * 1000))


async def _step(plan: Plan, sessions: list[Session]) -> dict[str, Any]:
    measure_from = time.perf_counter() + plan.warmup_s
    for session in sessions:
        session.candidate.measure_from = measure_from
        session.candidate.ack_ms.clear()
        for observer in session.observers:
            observer.latency_ms.clear()
    sent_before = Counter[str]()
    for session in sessions:
        sent_before.update(session.candidate.sent)
        # What earlier steps (and the interviews' start) already counted.
        sent_before["@acked"] += session.candidate.acked
        sent_before["@observed"] += sum(len(o.seen) for o in session.observers)
    stop = asyncio.Event()
    lag: list[float] = []
    lateness: list[float] = []
    probe = asyncio.create_task(_lag_probe(lag, stop))
    cpu0, wait0, wall0 = own_cpu_s(), run_queue_wait_s(), time.monotonic()
    drive_s = plan.warmup_s + plan.duration_s
    await asyncio.gather(*(s.candidate.drive(drive_s, lateness) for s in sessions))
    cpu_s, wall_s, wait1 = own_cpu_s() - cpu0, time.monotonic() - wall0, run_queue_wait_s()
    stop.set()
    await probe

    # Drain: every message acknowledged, every relayed frame delivered to every observer.
    deadline = time.monotonic() + plan.drain_timeout_s
    while time.monotonic() < deadline:
        if all(
            s.candidate.acked >= s.candidate.last_sent
            and all(len(o.seen) >= s.candidate.last_sent for o in s.observers)
            for s in sessions
        ):
            break
        await asyncio.sleep(0.05)
    drained_s = plan.drain_timeout_s - max(0.0, deadline - time.monotonic())
    result = _summarize(sessions, sent_before)
    result.update({
        "loop_lag_ms": lag, "lateness_ms": lateness, "cpu_s": cpu_s, "wall_s": wall_s,
        "cpu_wait_s": wait1 - wait0 if wait0 is not None and wait1 is not None else None,
        "drain_s": drained_s,
    })
    return result


async def _verify_log(session: Session) -> Counter[str]:
    """Every sent seq stored exactly once, in the interview's log, with its own kind."""
    candidate = session.candidate
    events = await session.instructor_api.events(session.interview_id)
    stored = Counter[int]()
    wrong_kind = 0
    for event in events:
        src = event.get("d", {}).get("src_seq") if event.get("t") in RELAYED else None
        if src is None:
            continue
        stored[src] += 1
        if candidate.kinds.get(src) != event["t"]:
            wrong_kind += 1
    return Counter({
        "log_missing": sum(1 for seq in range(1, candidate.last_sent + 1) if seq not in stored),
        "log_duplicates": sum(n - 1 for n in stored.values() if n > 1),
        "log_wrong_kind": wrong_kind,
    })


def _summarize(sessions: list[Session], sent_before: Counter[str]) -> dict[str, Any]:
    """This step's sends, acknowledgements, relayed frames and latencies; loss, duplicates
    and unacknowledged messages since the first step."""
    sent: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    close_codes: Counter[str] = Counter()
    ack_ms: list[float] = []
    obs_ms: list[float] = []
    totals = Counter[str]()
    for session in sessions:
        candidate = session.candidate
        sent.update(candidate.sent)
        errors.update(candidate.errors)
        close_codes.update({str(k): v for k, v in candidate.close_codes.items()})
        ack_ms.extend(candidate.ack_ms)
        totals["acked"] += candidate.acked
        totals["unacked"] += candidate.last_sent - candidate.acked
        totals["reconnects"] += candidate.reconnects
        totals["candidate_events_received"] += candidate.received
        for observer in session.observers:
            errors.update(observer.errors)
            close_codes.update({str(k): v for k, v in observer.close_codes.items()})
            obs_ms.extend(observer.latency_ms)
            totals["observer_events_received"] += observer.received
            totals["observer_frames_received"] += len(observer.seen)
            totals["duplicates"] += observer.duplicates + observer.repeated
            totals["out_of_order"] += observer.out_of_order
            totals["observer_gaps"] += observer.gaps
            totals["reconnects"] += observer.reconnects
            for seq in range(1, candidate.last_sent + 1):
                if seq not in observer.seen:
                    totals["loss"] += 1
                    totals[f"loss_{candidate.kinds.get(seq, '?')}"] += 1
    totals["acked"] -= sent_before.pop("@acked", 0)
    totals["observer_frames_received"] -= sent_before.pop("@observed", 0)
    sent.subtract(sent_before)
    return {
        "sessions": len(sessions), "sent": {k: v for k, v in sent.items() if v},
        "sent_ever": sum(s.candidate.last_sent for s in sessions),
        "totals": dict(totals), "errors": dict(errors), "close_codes": dict(close_codes),
        "ack_ms": ack_ms, "observer_ms": obs_ms,
    }
