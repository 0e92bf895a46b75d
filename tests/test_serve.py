"""``make run``'s path: the command line serves on an embedded database it starts itself."""

import json
import signal
import urllib.request
from pathlib import Path

from server.demo import DEMO_ACCOUNTS
from tests.live_server import live_server


def test_serve_starts_on_the_embedded_database_with_demo_accounts(tmp_path: Path) -> None:
    env = {"DATA_DIR": str(tmp_path / "data"), "RECORDINGS_DIR": str(tmp_path / "rec")}
    log = tmp_path / "serve.log"
    with live_server(env, "--demo", log=log) as (url, process):
        with urllib.request.urlopen(url + "/readyz") as response:
            assert json.load(response)["database"] == "ok"
        candidate = DEMO_ACCOUNTS[0]
        request = urllib.request.Request(
            url + "/api/session",
            data=json.dumps({"username": candidate.username, "password": candidate.password}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request) as response:
            assert json.load(response)["user"]["role"] == "candidate"
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0
    output = log.read_text()
    assert f"running at {url}" in output
    for account in DEMO_ACCOUNTS:
        assert account.username in output and account.password in output
    assert (tmp_path / "data" / "pg" / "PG_VERSION").exists()
    assert (tmp_path / "data" / "secret_key").exists()
