"""``make bench``: every benchmark in one run; a table on the console, JSON in results/.

Rows (each measured next to its baseline in the same run):
  1. raw stack ceiling: bare Quart echo vs the engine's candidate path (and permessage-deflate)
  2. capacity: stepwise search for the interviews one server process holds, then the same
     search against a relay with nothing of the engine behind it (the raw stack's own capacity)
  3. persistence: the event writer vs raw COPY
  4. AI path overhead: answer_end to the first question.delta, minus the fake Gemini's delays
  5. replay: a 60-minute interview through the events API
  6. codec and live coach: µs per event

Environment: DATABASE_URL (default: the embedded PostgreSQL, database ``ie_bench``),
BENCH_CONNECTIONS (50), BENCH_WINDOW (16), BENCH_SECONDS (8), BENCH_PROCESSES (1),
BENCH_ROUNDS (3: row 1's alternating echo and engine rounds),
BENCH_SEARCH ("50:25:600": first, step, last number of interviews; "" skips the search),
BENCH_STEP_SECONDS (10), BENCH_EVENTS (200000), BENCH_REPLAY_EVENTS (60000),
BENCH_AI_DELAY_MS (100). Any failure stops the run with a non-zero exit.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from bench import ai_path, micro, persist, replay, saturate
from bench.common import (
    RESULTS,
    database_url,
    engine_server,
    free_port,
    machine,
    running,
    save,
    server_env,
)
from bench.table import table
from server.loadtest.runner import Plan, default_processes, search, search_report
from server.loadtest.session import Profile


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@contextmanager
def _echo_server(url: str, *, compression: bool) -> Iterator[tuple[str, int]]:
    port = free_port()
    env = server_env(url, WS_COMPRESSION="1" if compression else "0")
    with running([sys.executable, "-m", "bench.echo_server", str(port)], env, port,
                 RESULTS / "echo-server.log") as echo:
        yield f"http://127.0.0.1:{port}", echo.pid


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median rate (a measured run, not a blend of several)."""
    return sorted(runs, key=lambda run: run["messages_per_s"])[len(runs) // 2]


def stack(url: str) -> dict[str, Any]:
    kw: dict[str, Any] = {"connections": _env_int("BENCH_CONNECTIONS", 50),
                          "window": _env_int("BENCH_WINDOW", 16),
                          "processes": _env_int("BENCH_PROCESSES", 1),
                          "duration_s": _env_int("BENCH_SECONDS", 8)}
    # The echo and the engine take turns, round after round (which goes first alternates
    # too), and the medians are compared: on a shared machine one noisy moment can halve
    # a single measurement.
    echo_runs: list[dict[str, Any]] = []
    engine_runs: list[dict[str, Any]] = []
    with _echo_server(url, compression=False) as (echo_url, echo_pid), \
            engine_server(url) as (engine_url, engine):
        for n in range(_env_int("BENCH_ROUNDS", 3)):
            turns = [("echo", echo_url, echo_pid, echo_runs),
                     ("engine", engine_url, engine.pid, engine_runs)]
            for mode, base, pid, runs in (turns if n % 2 == 0 else turns[::-1]):
                runs.append(saturate.measure(mode, base, pid, **kw))
    echo, engine_result = _median_run(echo_runs), _median_run(engine_runs)
    # permessage-deflate: a browser-like client offering it, to a server accepting it and
    # to the server as configured (declining it).
    deflate = {}
    for compression in (True, False):
        with _echo_server(url, compression=compression) as (base, pid):
            deflate["on" if compression else "off"] = saturate.measure(
                "echo", base, pid, offer_deflate=True, **kw)
    deflate_on, deflate_off = deflate["on"], deflate["off"]
    if deflate_on["compressed_connections"] != kw["connections"]:
        raise RuntimeError("permessage-deflate was not negotiated when enabled")
    if deflate_off["compressed_connections"] != 0:
        raise RuntimeError("permessage-deflate was negotiated although disabled")
    return {
        "echo": echo, "engine": engine_result,
        "ratio": round(engine_result["messages_per_s"] / echo["messages_per_s"], 3),
        "rounds": [{"echo": e["messages_per_s"], "engine": g["messages_per_s"]}
                   for e, g in zip(echo_runs, engine_runs)],
        "deflate": {"on": deflate_on, "off": deflate_off,
                    "ratio": round(deflate_on["messages_per_s"] / deflate_off["messages_per_s"],
                                   3)},
    }


@contextmanager
def _relay_server(url: str) -> Iterator[tuple[str, int]]:
    port = free_port()
    with running([sys.executable, "-m", "bench.relay_server", str(port)], server_env(url), port,
                 RESULTS / "relay-server.log") as relay:
        yield f"http://127.0.0.1:{port}", relay.pid


def capacity(url: str, spec: str) -> dict[str, Any]:
    """The engine's capacity, then the raw stack's under the same profile and steps: a relay
    with nothing of the engine behind it (``bench/relay_server.py``)."""
    first, step, last = (int(part) for part in spec.split(":"))
    steps = list(range(first, last + 1, step))
    plan = Plan(url="", candidates=first, observers_per_candidate=1,
                duration_s=float(_env_int("BENCH_STEP_SECONDS", 10)),
                processes=max(_env_int("BENCH_PROCESSES", 1), default_processes(last)),
                profile=Profile(), verify_log=True)
    with engine_server(url) as (base, engine):
        summary = search(replace(plan, url=base), steps, server_pid=engine.pid,
                         out=RESULTS / "capacity.json")
    print(search_report(summary), flush=True)
    if not summary["ok"]:
        raise RuntimeError(f"the capacity search's event logs do not match: "
                           f"{summary['log_check']}")
    print("   the raw stack relaying the same profile:", flush=True)
    with _relay_server(url) as (base, relay_pid):
        # The relay keeps no log to read back; loss and duplicates are still counted live.
        relay = search(replace(plan, url=base, verify_log=False), steps, server_pid=relay_pid,
                       out=RESULTS / "capacity-relay.json")
    print(search_report(relay), flush=True)
    summary["relay"] = relay
    return summary


def main() -> int:
    started = time.monotonic()
    results: dict[str, Any] = {"machine": machine(), "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    url = database_url()

    print("1. raw stack ceiling: echo vs the engine's candidate path; permessage-deflate",
          flush=True)
    results["stack"] = stack(url)

    spec = os.environ.get("BENCH_SEARCH", "50:25:600")
    if spec:
        print(f"2. capacity search ({spec}: first:step:last interviews)", flush=True)
        results["capacity"] = capacity(url, spec)

    print("3. persistence: event writer vs raw COPY", flush=True)
    results["persistence"] = asyncio.run(persist.run(url, events=_env_int("BENCH_EVENTS", 200_000)))

    print("4. AI path overhead (loopback Gemini)", flush=True)
    results["ai_path"] = ai_path.run(url, delay_s=_env_int("BENCH_AI_DELAY_MS", 100) / 1000)

    print("5. replay of a 60-minute interview", flush=True)
    results["replay"] = replay.run(url, events=_env_int("BENCH_REPLAY_EVENTS", 60_000))

    print("6. codec and live coach", flush=True)
    results["micro"] = micro.run()

    results["duration_s"] = round(time.monotonic() - started, 1)
    path = save("bench", results)
    print()
    print(table(results))
    print(f"\nwritten to {path.relative_to(RESULTS.parent)} in {results['duration_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
