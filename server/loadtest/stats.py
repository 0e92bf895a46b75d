"""Percentiles and CPU readings for the load generator and the benchmarks."""

from __future__ import annotations

import os
from collections.abc import Sequence

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def percentiles(samples: Sequence[float]) -> dict[str, float | int | None]:
    """p50, p95, p99 and max of ``samples`` (nearest rank), with their count."""
    if not samples:
        return {"n": 0, "p50": None, "p95": None, "p99": None, "max": None}
    ordered = sorted(samples)
    n = len(ordered)

    def rank(p: float) -> float:
        return round(ordered[min(n - 1, max(0, int(p * n + 0.999999) - 1))], 3)

    return {"n": n, "p50": rank(0.50), "p95": rank(0.95), "p99": rank(0.99),
            "max": round(ordered[-1], 3)}


def process_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds used so far by process ``pid`` (Linux), or None."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # After the command name: state is field 3, utime 14 and stime 15 (1-based).
    return (int(fields[11]) + int(fields[12])) / _TICKS


def own_cpu_s() -> float:
    times = os.times()
    return times.user + times.system


def run_queue_wait_s(pid: int | None = None) -> float | None:
    """Seconds the process's main thread (the event loop) has spent runnable but waiting
    for a CPU (Linux ``schedstat``), or None. A large share means a crowded machine: the
    latencies then measure the machine, not the program."""
    try:
        with open(f"/proc/{pid if pid is not None else 'self'}/schedstat") as stat:
            return int(stat.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return None
