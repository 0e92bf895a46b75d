"""``interview-engine loadtest``: client processes, the measured window and the report.

The parent process only coordinates: each worker process creates its share of the
interviews through the HTTP API, connects its candidates and observers, reports ready,
then all of them send for the same ``duration`` once the parent says go. After the window
the candidates wait for every acknowledgement and the observers for every frame; then each
interview's event log is read back through the events API and checked seq by seq.
"""

from __future__ import annotations

import asyncio
import json
import math
import multiprocessing
import os
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from server.loadtest.session import RELAYED, Profile, Session
from server.loadtest.stats import own_cpu_s, percentiles, process_cpu_s

# A client process above this share of one core is the bottleneck, not the server.
SATURATED_CPU = 0.85
SATURATED_LATENESS_MS = 50.0


@dataclass(frozen=True)
class Plan:
    url: str
    candidates: int
    observers_per_candidate: int
    duration_s: float
    processes: int
    profile: Profile
    drain_timeout_s: float = 30.0
    verify_log: bool = True
    setup_concurrency: int = 8


def _run_async(coroutine: Any) -> Any:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def _worker(plan: Plan, count: int, ready: Any, go: Any, results: Any) -> None:
    try:
        results.put(_run_async(_worker_main(plan, count, ready, go)))
    except BaseException as error:  # reported to the parent, which fails the run
        ready.put(("failed", f"{type(error).__name__}: {error}"))
        results.put({"error": f"{type(error).__name__}: {error}"})


async def _lag_probe(samples: list[float], stop: asyncio.Event) -> None:
    """How late the event loop wakes up: the client's own saturation signal."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        before = loop.time()
        await asyncio.sleep(0.05)
        samples.append(max(0.0, (loop.time() - before - 0.05) * 1000))


async def _worker_main(plan: Plan, count: int, ready: Any, go: Any) -> dict[str, Any]:
    limit = asyncio.Semaphore(plan.setup_concurrency)

    async def one() -> Session:
        async with limit:
            session = await Session.create(plan.url, plan.profile, plan.observers_per_candidate)
            await session.connect()
            return session

    sessions = list(await asyncio.gather(*(one() for _ in range(count))))
    ready.put(("ready", count))
    await asyncio.get_running_loop().run_in_executor(None, go.wait)

    stop = asyncio.Event()
    lag: list[float] = []
    lateness: list[float] = []
    probe = asyncio.create_task(_lag_probe(lag, stop))
    cpu0, wall0 = own_cpu_s(), time.monotonic()
    await asyncio.gather(*(s.candidate.drive(plan.duration_s, lateness) for s in sessions))
    cpu_s, wall_s = own_cpu_s() - cpu0, time.monotonic() - wall0
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

    log_check = Counter[str]()
    if plan.verify_log:
        for session in sessions:
            log_check.update(await _verify_log(session))

    result = _summarize(sessions, cpu_s, wall_s, lag, lateness, drained_s, log_check)
    for session in sessions:
        await session.close()
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


def _summarize(sessions: list[Session], cpu_s: float, wall_s: float, lag: list[float],
               lateness: list[float], drained_s: float, log_check: Counter[str]) -> dict[str, Any]:
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
    return {
        "sessions": len(sessions), "sent": dict(sent), "totals": dict(totals),
        "errors": dict(errors), "close_codes": dict(close_codes),
        "ack_ms": ack_ms, "observer_ms": obs_ms, "loop_lag_ms": lag, "lateness_ms": lateness,
        "cpu_s": cpu_s, "wall_s": wall_s, "drain_s": drained_s, "log": dict(log_check),
    }


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def run(plan: Plan, *, server_pid: int | None = None, out: Path | None = None,
        quiet: bool = False) -> dict[str, Any]:
    """Run the load test; returns the result (also written to ``out`` as JSON)."""
    context = multiprocessing.get_context("spawn")
    ready, results, go = context.Queue(), context.Queue(), context.Event()
    counts = [c for c in _split(plan.candidates, plan.processes) if c > 0]
    workers = [context.Process(target=_worker, args=(plan, count, ready, go, results), daemon=True)
               for count in counts]
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, file=sys.stderr, flush=True))
    setup0 = time.monotonic()
    for worker in workers:
        worker.start()
    try:
        say(f"setting up {plan.candidates} interviews in {len(workers)} client processes...")
        for _ in workers:
            status, detail = ready.get(timeout=300)
            if status != "ready":
                raise RuntimeError(f"a client process failed during set-up: {detail}")
        setup_s = time.monotonic() - setup0
        say(f"set up in {setup_s:.1f} s; sending for {plan.duration_s:g} s")
        server0 = process_cpu_s(server_pid) if server_pid else None
        t0 = time.monotonic()
        go.set()
        time.sleep(plan.duration_s)
        window_s = time.monotonic() - t0
        server1 = process_cpu_s(server_pid) if server_pid else None
        parts = [results.get(timeout=plan.drain_timeout_s + 300) for _ in workers]
    finally:
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.terminate()
    failed = [p["error"] for p in parts if "error" in p]
    if failed:
        raise RuntimeError(f"a client process failed: {failed[0]}")
    result = _merge(plan, parts, window_s, setup_s, server0, server1, server_pid)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n")
    return result


def _merge(plan: Plan, parts: list[dict[str, Any]], window_s: float, setup_s: float,
           server0: float | None, server1: float | None, server_pid: int | None) -> dict[str, Any]:
    sent: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    close_codes: Counter[str] = Counter()
    logs: Counter[str] = Counter()
    for part in parts:
        sent.update(part["sent"])
        totals.update(part["totals"])
        errors.update(part["errors"])
        close_codes.update(part["close_codes"])
        logs.update(part["log"])
    sent_total = sum(sent.values())
    clients = [
        {"sessions": p["sessions"], "cpu": round(p["cpu_s"] / p["wall_s"], 3),
         "loop_lag_ms": percentiles(p["loop_lag_ms"]),
         "saturated": p["cpu_s"] / p["wall_s"] >= SATURATED_CPU
         or (percentiles(p["loop_lag_ms"])["p99"] or 0) > SATURATED_LATENESS_MS}
        for p in parts
    ]
    server: dict[str, Any] = {"pid": server_pid}
    if server0 is not None and server1 is not None:
        server["cpu"] = round((server1 - server0) / window_s, 3)
        server["cpu_us_per_message"] = (
            round((server1 - server0) / sent_total * 1e6, 1) if sent_total else None
        )
    loss = totals.get("loss", 0)
    duplicates = totals.get("duplicates", 0)
    log_ok = not plan.verify_log or (
        logs.get("log_missing", 0) == 0 and logs.get("log_duplicates", 0) == 0
        and logs.get("log_wrong_kind", 0) == 0
    )
    return {
        "config": {**{k: v for k, v in asdict(plan).items() if k != "profile"},
                   "profile": asdict(plan.profile)},
        "window_s": round(window_s, 3),
        "setup_s": round(setup_s, 2),
        "sent": {**dict(sent), "total": sent_total},
        "sent_per_s": round(sent_total / window_s, 1),
        "acked": totals.get("acked", 0),
        "unacked": totals.get("unacked", 0),
        "observer_frames_received": totals.get("observer_frames_received", 0),
        "observer_events_received": totals.get("observer_events_received", 0),
        "candidate_events_received": totals.get("candidate_events_received", 0),
        "loss": loss,
        "loss_by_kind": {k[5:]: v for k, v in totals.items() if k.startswith("loss_")},
        "duplicates": duplicates,
        "out_of_order": totals.get("out_of_order", 0),
        "observer_gaps": totals.get("observer_gaps", 0),
        "reconnects": totals.get("reconnects", 0),
        "errors": dict(errors),
        "close_codes": dict(close_codes),
        "log_check": dict(logs) if plan.verify_log else None,
        "ack_latency_ms": percentiles([x for p in parts for x in p["ack_ms"]]),
        "observer_latency_ms": percentiles([x for p in parts for x in p["observer_ms"]]),
        "schedule_lateness_ms": percentiles([x for p in parts for x in p["lateness_ms"]]),
        "drain_s": round(max(p["drain_s"] for p in parts), 2),
        "server": server,
        "clients": clients,
        "clients_saturated": any(c["saturated"] for c in clients),
        "ok": loss == 0 and duplicates == 0 and totals.get("unacked", 0) == 0 and log_ok,
    }


def report(result: dict[str, Any]) -> str:
    """The result as a few lines for the console."""
    def lat(name: str) -> str:
        p = result[name]
        if not p["n"]:
            return "n/a"
        return f"p50 {p['p50']:.1f}  p95 {p['p95']:.1f}  p99 {p['p99']:.1f}  max {p['max']:.1f} ms"

    config = result["config"]
    lines = [
        f"candidates {config['candidates']} x {config['observers_per_candidate']} observer(s), "
        f"{result['window_s']:.1f} s, {len(result['clients'])} client process(es)",
        f"sent      {result['sent']['total']} ({result['sent_per_s']}/s)  "
        + "  ".join(f"{k} {v}" for k, v in result["sent"].items() if k != "total"),
        f"acked     {result['acked']}   unacked {result['unacked']}",
        f"observers {result['observer_frames_received']} frames "
        f"({result['observer_events_received']} events)",
        f"loss      {result['loss']} {result['loss_by_kind'] or ''}  duplicates "
        f"{result['duplicates']}  reconnects {result['reconnects']}",
        f"ack       {lat('ack_latency_ms')}",
        f"observer  {lat('observer_latency_ms')}",
    ]
    if result["log_check"] is not None:
        lines.append("log       " + "  ".join(f"{k} {v}" for k, v in result["log_check"].items()))
    if result["errors"]:
        lines.append(f"errors    {result['errors']}")
    server = result["server"]
    if "cpu" in server:
        lines.append(f"server    CPU {server['cpu'] * 100:.0f}% of a core, "
                     f"{server['cpu_us_per_message']} µs per message sent")
    clients = ", ".join(f"{c['cpu'] * 100:.0f}%" for c in result["clients"])
    lines.append(f"clients   CPU {clients}"
                 + ("  SATURATED: the client may be the bottleneck; add --processes"
                    if result["clients_saturated"] else ""))
    lines.append("result    " + ("OK" if result["ok"] else "FAILED (loss, duplicates or unacked)"))
    return "\n".join(lines)


def default_processes(candidates: int) -> int:
    return max(1, min(os.cpu_count() or 1, math.ceil(candidates / 50)))
