"""``interview-engine loadtest`` against a real server: every frame arrives exactly once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from server.settings import PROJECT_ROOT
from tests.live_server import live_server


def test_loadtest_delivers_every_frame_once(database_url: str, tmp_path: Path) -> None:
    env = {
        "APP_ENV": "test",
        "DATABASE_URL": database_url,
        "DATA_DIR": str(tmp_path / "data"),
        "RECORDINGS_DIR": str(tmp_path / "recordings"),
        "SECRET_KEY": "test-secret-key-for-the-load-generator-0123",
    }
    out = tmp_path / "result.json"
    with live_server(env, log=tmp_path / "server.log") as (url, server):
        command = [
            sys.executable, "-m", "server.cli", "loadtest", "--url", url,
            "--candidates", "2", "--observers-per-candidate", "1", "--duration", "3",
            "--processes", "2", "--server-pid", str(server.pid), "--json", str(out),
        ]
        client_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        client_env["APP_ENV"] = "test"
        done = subprocess.run(command, cwd=PROJECT_ROOT, env=client_env, capture_output=True,
                              text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(out.read_text())
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
    assert "result    OK" in done.stdout
