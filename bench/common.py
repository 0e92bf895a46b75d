"""What the benchmarks share: a database, a real server process, the result files."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from server.settings import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "results"
BENCH_DATA = PROJECT_ROOT / ".data" / "bench"


def database_url() -> str:
    """DATABASE_URL, or a fresh database on the embedded server, migrated."""
    from db.embedded import drop_database, ensure_database, start_embedded_server
    from db.migrate import upgrade_async

    url = os.environ.get("DATABASE_URL")
    if url:
        asyncio.run(upgrade_async(url))
        return url
    server = start_embedded_server(BENCH_DATA)

    async def fresh() -> str:
        await drop_database(server, "ie_bench")
        created = await ensure_database(server, "ie_bench")
        await upgrade_async(created)
        return created

    return asyncio.run(fresh())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(database: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "GEMINI_API_KEY")}
    env.update({
        "APP_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48), "COOKIE_SECURE": "0",
        "DATABASE_URL": database, "DATA_DIR": str(BENCH_DATA / "app"),
        "RECORDINGS_DIR": str(BENCH_DATA / "recordings"),
        # The benchmark clients are few and fast; the per-connection limit is not measured here.
        "WS_MESSAGES_PER_S": "1000000", "WS_BURST": "1000000",
        "WS_BYTES_PER_S": str(1 << 30), "WS_BYTES_BURST": str(1 << 30),
        # One instructor account watches a client process's interviews: its tickets would
        # meet the per-account quota, which is not what is measured here.
        "TICKETS_PER_MINUTE": "1000000", "INTERVIEWS_PER_HOUR": "1000000",
    })
    env.update(extra)
    return env


@contextmanager
def running(command: list[str], env: Mapping[str, str], port: int,
            log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server command until the block ends, once /healthz (or the port) answers."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as output:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=dict(env), stdout=output,
                                   stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited:\n{log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError as error:
                if getattr(error, "code", None) is not None:
                    break  # it answers HTTP
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start:\n{log.read_text()[-2000:]}")
                time.sleep(0.1)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def engine_server(database: str, **extra: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    command = [sys.executable, "-m", "server.cli", "serve", "--port", str(port)]
    with running(command, server_env(database, **extra), port, RESULTS / "engine-server.log") as p:
        yield f"http://127.0.0.1:{port}", p


def serve_baseline(app: Any, port: int) -> int:
    """Serve a baseline app (the echo, the relay) with the engine's hypercorn settings and
    event loop until SIGINT or SIGTERM; the process's exit status."""
    from hypercorn.asyncio import serve

    from server.cli import _run
    from server.serving import hypercorn_config
    from server.settings import load_settings

    async def main() -> int:
        config = hypercorn_config(load_settings(), f"127.0.0.1:{port}")
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(app, config, shutdown_trigger=stop.wait)
        return 0

    return int(_run(main()))


def machine() -> dict[str, Any]:
    memory_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "memory_gb": round(memory_kb / 1024 / 1024, 1),
            "python": platform.python_version(), "platform": platform.platform(terse=True)}


def save(name: str, data: Any) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path
