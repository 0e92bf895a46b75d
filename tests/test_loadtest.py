"""``interview-engine loadtest`` against a real server: every frame arrives exactly once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.common import free_port, running
from server.settings import PROJECT_ROOT
from tests.live_server import live_server


def run_loadtest(url: str, server_pid: int, out: Path, *options: str,
                 env: dict[str, str]) -> dict[str, Any]:
    """``interview-engine loadtest`` against ``url`` to completion; its JSON result."""
    command = [sys.executable, "-m", "server.cli", "loadtest", "--url", url, "--duration", "3",
               "--server-pid", str(server_pid), "--json", str(out), *options]
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "result    OK" in done.stdout
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def test_loadtest_delivers_every_frame_once(database_url: str, tmp_path: Path) -> None:
    env = {
        "APP_ENV": "test",
        "DATABASE_URL": database_url,
        "DATA_DIR": str(tmp_path / "data"),
        "RECORDINGS_DIR": str(tmp_path / "recordings"),
        "SECRET_KEY": "test-secret-key-for-the-load-generator-0123",
    }
    out = tmp_path / "result.json"
    client_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    client_env["APP_ENV"] = "test"
    with live_server(env, log=tmp_path / "server.log") as (url, server):
        result = run_loadtest(url, server.pid, out, "--candidates", "2",
                              "--observers-per-candidate", "1", "--processes", "2",
                              env=client_env)
    sent = result["sent"]
    # The default profile: face batches, transcripts, audio chunks and the interview's states.
    assert sent["face"] > 0 and sent["transcript"] > 0 and sent["audio"] > 0
    assert sent["state"] >= 2  # at least "start" from each candidate
    assert result["loss"] == 0
    assert result["duplicates"] == 0
    assert result["unacked"] == 0
    assert result["acked"] == sent["total"]
    assert result["observer_frames_received"] == sent["total"]
    assert result["log_check"] == {"log_missing": 0, "log_duplicates": 0, "log_wrong_kind": 0}
    assert result["errors"] == {}
    assert len(result["clients"]) == 2
    assert result["server"]["cpu"] >= 0
    assert result["ok"] is True


def test_the_raw_stack_relay_serves_the_load_generator(tmp_path: Path) -> None:
    """``make bench`` reads the engine's capacity against this relay's: it must carry the
    default profile whole (every frame acknowledged and relayed once)."""
    port = free_port()
    env = {**os.environ, "APP_ENV": "test",
           "SECRET_KEY": "test-secret-key-for-the-relay-baseline-0123456"}
    out = tmp_path / "result.json"
    with running([sys.executable, "-m", "bench.relay_server", str(port)], env, port,
                 tmp_path / "relay.log") as relay:
        result = run_loadtest(f"http://127.0.0.1:{port}", relay.pid, out, "--candidates", "3",
                              "--processes", "1", "--no-verify-log", env=env)
    sent = result["sent"]
    assert sent["face"] > 0 and sent["transcript"] > 0 and sent["audio"] > 0
    assert result["acked"] == sent["total"]
    assert result["observer_frames_received"] == sent["total"]
    assert result["loss"] == 0 and result["duplicates"] == 0 and result["errors"] == {}
    assert result["ok"] is True
