"""``interview-engine loadtest``: client processes, measured windows, the capacity search.

The parent process only coordinates: each client process (:mod:`server.loadtest.worker`)
creates its share of the interviews through the HTTP API and connects them; then all of
them send for the same ``duration`` once the parent says go, and the parent reads the
server's CPU over that window. A capacity search repeats this with more interviews at each
step, keeping the earlier ones, until a bound is crossed.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from server.loadtest.report import merge, passes, report, search_report
from server.loadtest.stats import process_cpu_s, run_queue_wait_s
from server.loadtest.worker import Plan, run_async, worker

__all__ = ["Plan", "default_processes", "report", "run", "run_async", "search",
           "search_report"]


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


class Fleet:
    """The client processes, each holding its share of every step's interviews."""

    def __init__(self, plan: Plan, steps: Sequence[int], say: Callable[..., None]) -> None:
        self.plan = plan
        self.steps = list(steps)
        self.say = say
        context = multiprocessing.get_context("spawn")
        self.results = context.Queue()
        shares = [_split(count, plan.processes) for count in self.steps]
        per_process = [[step[i] for step in shares] for i in range(plan.processes)]
        per_process = [s for s in per_process if s[-1] > 0]
        self.commands = [context.Queue() for _ in per_process]
        self.workers = [
            context.Process(target=worker, args=(plan, s, q, self.results), daemon=True)
            for s, q in zip(per_process, self.commands)
        ]
        for process in self.workers:
            process.start()
        self.next_step = 0

    def _get(self, kind: str, timeout: float) -> Any:
        message = self.results.get(timeout=timeout)
        if message[0] == "failed":
            raise RuntimeError(f"a client process failed: {message[1]}")
        if message[0] != kind:
            raise RuntimeError(f"a client process answered {message[0]!r}, not {kind!r}")
        return message

    def step(self, server_pid: int | None) -> dict[str, Any]:
        """Set up the next step's interviews, send for the plan's duration, and merge."""
        count = self.steps[self.next_step]
        self.next_step += 1
        self.say(f"setting up {count} interviews in {len(self.workers)} client process(es)...")
        setup0 = time.monotonic()
        for commands in self.commands:
            commands.put("grow")
        for _ in self.workers:
            self._get("ready", 600 + count)
        setup_s = time.monotonic() - setup0
        self.say(f"set up in {setup_s:.1f} s; sending for {self.plan.warmup_s:g} s of warm-up"
                 f" and {self.plan.duration_s:g} s measured")
        for commands in self.commands:
            commands.put("go")
        time.sleep(self.plan.warmup_s)
        cpu0 = process_cpu_s(server_pid) if server_pid else None
        wait0 = run_queue_wait_s(server_pid) if server_pid else None
        t0 = time.monotonic()
        time.sleep(self.plan.duration_s)
        window_s = time.monotonic() - t0
        cpu1 = process_cpu_s(server_pid) if server_pid else None
        wait1 = run_queue_wait_s(server_pid) if server_pid else None
        parts = [self._get("step", self.plan.drain_timeout_s + 300)[2] for _ in self.workers]
        server: dict[str, Any] = {"pid": server_pid}
        if cpu0 is not None and cpu1 is not None:
            server["cpu_s"] = cpu1 - cpu0
        if wait0 is not None and wait1 is not None:
            server["cpu_wait_s"] = wait1 - wait0
        result = merge(self.plan, count, parts, window_s, setup_s, server)
        return result

    def finish(self) -> dict[str, int] | None:
        """Stop the processes (reading every log back first, if the plan says so)."""
        for commands in self.commands:
            commands.put("stop")
        logs: dict[str, int] = {}
        for _ in self.workers:
            for key, value in self._get("log", 600)[1].items():
                logs[key] = logs.get(key, 0) + value
        return logs if self.plan.verify_log else None

    def close(self) -> None:
        for process in self.workers:
            process.join(timeout=30)
            if process.is_alive():
                process.terminate()


def _say(quiet: bool) -> Callable[..., None]:
    if quiet:
        return lambda *a: None
    return lambda *a: print(*a, file=sys.stderr, flush=True)


def _with_log(result: dict[str, Any], logs: dict[str, int] | None) -> dict[str, Any]:
    result["log_check"] = logs
    log_ok = logs is None or not any(logs.values())
    result["ok"] = result["ok"] and log_ok
    return result


def run(plan: Plan, *, server_pid: int | None = None, out: Path | None = None,
        quiet: bool = False) -> dict[str, Any]:
    """Run the load test; returns the result (also written to ``out`` as JSON)."""
    fleet = Fleet(plan, [plan.candidates], _say(quiet))
    try:
        result = fleet.step(server_pid)
        _with_log(result, fleet.finish())
    finally:
        fleet.close()
    _write(out, result)
    return result


def search(plan: Plan, steps: Sequence[int], *, server_pid: int | None = None,
           out: Path | None = None, quiet: bool = False) -> dict[str, Any]:
    """Step through ``steps`` interviews until one fails the bounds (latency, loss) or
    its client processes were saturated; the largest passing step is the capacity."""
    say = _say(quiet)
    fleet = Fleet(plan, steps, say)
    results: list[dict[str, Any]] = []
    try:
        for _ in steps:
            result = fleet.step(server_pid)
            results.append(result)
            verdict = passes(result)
            say(f"{result['config']['candidates']} interviews: "
                f"{'pass' if verdict is None else 'FAIL: ' + verdict}")
            if verdict is not None:
                break
        logs = fleet.finish()
    finally:
        fleet.close()
    passed = [r for r in results if passes(r) is None]
    best = passed[-1] if passed else None
    failed = results[-1] if results and passes(results[-1]) is not None else None
    summary = {
        "steps": results,
        "capacity": best["config"]["candidates"] if best else 0,
        "at_capacity": best,
        "first_failure": failed["config"]["candidates"] if failed else None,
        "failure": passes(failed) if failed else None,
        # A failure with saturated clients says nothing about the server.
        "limited_by_clients": bool(failed and failed["clients_saturated"]),
        "searched_to": steps[-1],
        "log_check": logs,
        "ok": logs is None or not any(logs.values()),
    }
    _write(out, summary)
    return summary


def _write(out: Path | None, result: dict[str, Any]) -> None:
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n")


def default_processes(candidates: int) -> int:
    return max(1, min(os.cpu_count() or 1, math.ceil(candidates / 50)))
