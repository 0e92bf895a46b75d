"""``make bench``: every benchmark in one run; a table on the console, JSON in results/.

Environment: DATABASE_URL (default: the embedded PostgreSQL, database ``ie_bench``),
BENCH_CONNECTIONS (50), BENCH_WINDOW (16), BENCH_SECONDS (8), BENCH_PROCESSES (1),
BENCH_EVENTS (50000), BENCH_CANDIDATES (50, the default-profile load test; 0 skips it).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from typing import Any

from bench import micro, persist, saturate
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
from server.loadtest.runner import Plan, default_processes, report
from server.loadtest.runner import run as loadtest
from server.loadtest.session import Profile


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def main() -> int:
    connections = _env_int("BENCH_CONNECTIONS", 50)
    window = _env_int("BENCH_WINDOW", 16)
    seconds = _env_int("BENCH_SECONDS", 8)
    processes = _env_int("BENCH_PROCESSES", 1)
    events = _env_int("BENCH_EVENTS", 50_000)
    candidates = _env_int("BENCH_CANDIDATES", 50)
    results: dict[str, Any] = {"machine": machine(), "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    url = database_url()

    print("(a) raw stack ceiling: echo vs the engine's candidate path", flush=True)
    port = free_port()
    with running([sys.executable, "-m", "bench.echo_server", str(port)], server_env(url), port,
                 RESULTS / "echo-server.log") as echo:
        echo_result = saturate.measure("echo", f"http://127.0.0.1:{port}", echo.pid,
                                       connections=connections, window=window,
                                       processes=processes, duration_s=seconds)
    with engine_server(url) as (base, engine):
        engine_result = saturate.measure("engine", base, engine.pid, connections=connections,
                                         window=window, processes=processes, duration_s=seconds)
    results["stack"] = {"echo": echo_result, "engine": engine_result,
                        "ratio": round(engine_result["messages_per_s"]
                                       / echo_result["messages_per_s"], 3)}

    print("(b) persistence: event writer vs raw COPY", flush=True)
    results["persistence"] = asyncio.run(persist.run(url, events=events))

    print("(c) codec and live coach", flush=True)
    results["micro"] = micro.run()

    if candidates:
        print(f"(d) default profile: {candidates} candidates, 1 observer each", flush=True)
        with engine_server(url) as (base, engine):
            plan = Plan(url=base, candidates=candidates, observers_per_candidate=1,
                        duration_s=float(_env_int("BENCH_LOAD_SECONDS", 20)),
                        processes=max(processes, default_processes(candidates)),
                        profile=Profile())
            load = loadtest(plan, server_pid=engine.pid, out=RESULTS / "loadtest.json")
        print(report(load))
        results["loadtest"] = {k: load[k] for k in (
            "sent_per_s", "loss", "duplicates", "unacked", "ack_latency_ms",
            "observer_latency_ms", "server", "clients", "clients_saturated", "ok")}

    path = save("bench", results)
    print()
    print(table(results))
    print(f"\nwritten to {path.relative_to(RESULTS.parent)}")
    return 0


def table(results: dict[str, Any]) -> str:
    m = results["machine"]
    echo, engine = results["stack"]["echo"], results["stack"]["engine"]
    p, c = results["persistence"], results["micro"]
    rows = [
        ("machine", f"{m['cpus']} CPUs, {m['memory_gb']} GB, Python {m['python']}"),
        ("echo msgs/s (server CPU, µs/msg)",
         f"{echo['messages_per_s']:.0f} ({_pct(echo['server_cpu'])}, "
         f"{echo['server_us_per_message']} µs)"),
        ("engine candidate path msgs/s (server CPU, µs/msg)",
         f"{engine['messages_per_s']:.0f} ({_pct(engine['server_cpu'])}, "
         f"{engine['server_us_per_message']} µs); delivered to observers "
         f"{engine['delivered_per_s']:.0f}/s"),
        ("engine / echo", f"{results['stack']['ratio']:.2f}"),
        ("client CPU echo / engine", f"{echo['client_cpu']} / {engine['client_cpu']}"),
        ("event writer events/s", f"{p['writer_events_per_s']}"),
        ("raw COPY events/s", f"{p['copy_events_per_s']}"),
        ("writer / COPY", f"{p['ratio']:.2f}"),
        ("decode face msg (µs)", f"{c['decode_face_us']} ({c['face_frame_bytes']} bytes; "
                                 f"msgpack alone {c['msgpack_unpackb_face_us']})"),
        ("decode transcript msg (µs)", f"{c['decode_transcript_us']}"),
        ("live coach per event (µs)", f"{c['coach_us_per_event']}"),
    ]
    if "loadtest" in results:
        load = results["loadtest"]
        ack, obs = load["ack_latency_ms"], load["observer_latency_ms"]
        rows += [
            ("default profile: msgs/s, loss, dups",
             f"{load['sent_per_s']}, {load['loss']}, {load['duplicates']}"),
            ("  ack ms p50/p95/p99/max", f"{ack['p50']}/{ack['p95']}/{ack['p99']}/{ack['max']}"),
            ("  observer ms p50/p95/p99/max",
             f"{obs['p50']}/{obs['p95']}/{obs['p99']}/{obs['max']}"),
            ("  server CPU", _pct(load["server"].get("cpu"))),
            ("  clients CPU (saturated?)",
             f"{[c['cpu'] for c in load['clients']]} ({load['clients_saturated']})"),
        ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.0f}%"


if __name__ == "__main__":
    sys.exit(main())
