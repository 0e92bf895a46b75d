"""Every command of ``interview-engine``: ``--help``, and the exit codes scripts rely on
(0 ok, 1 failed, 2 usage or configuration, 3 not found, 4 refused)."""

from __future__ import annotations

import io
import secrets
from pathlib import Path

import msgpack
import pytest

from tests.cli import run_cli

COMMANDS = ("serve", "migrate", "create-user", "export", "import", "purge", "loadtest")
UNREACHABLE = "postgresql://postgres@127.0.0.1:1/nothing"


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"APP_ENV": "test", "DATABASE_URL": database_url, "DATA_DIR": str(tmp_path / "data"),
            "RECORDINGS_DIR": str(tmp_path / "recordings"),
            "SECRET_KEY": "a-test-secret-key-of-at-least-32-characters"}


async def test_help_on_every_command(env: dict[str, str]) -> None:
    top = await run_cli(env, "--help")
    assert top.returncode == 0 and b"Exit codes" in top.stdout
    for command in COMMANDS:
        done = await run_cli(env, command, "--help")
        assert done.returncode == 0, command
        assert f"usage: interview-engine {command}".encode() in done.stdout, command


async def test_usage_and_configuration_errors_exit_2(env: dict[str, str]) -> None:
    assert (await run_cli(env)).returncode == 2
    assert (await run_cli(env, "dance")).returncode == 2
    assert (await run_cli({**env, "APP_ENV": "staging"}, "migrate")).returncode == 2
    assert (await run_cli({**env, "PORT": "eighty"}, "serve")).returncode == 2
    assert (await run_cli(env, "serve", "--port", "x")).returncode == 2
    assert (await run_cli(env, "create-user")).returncode == 2
    assert (await run_cli(env, "create-user", "x", "--role", "admin")).returncode == 2
    assert (await run_cli(env, "export")).returncode == 2
    assert (await run_cli(env, "export", "not-a-uuid", "-o", "/dev/null")).returncode == 2
    assert (await run_cli(env, "import", "file")).returncode == 2  # --owner is required
    assert (await run_cli(env, "purge", "--older-than", "0")).returncode == 2
    assert (await run_cli(env, "purge", "--older-than", "soon")).returncode == 2
    assert (await run_cli(env, "loadtest", "--candidates", "0")).returncode == 2


async def test_migrate_and_create_user(env: dict[str, str]) -> None:
    migrated = await run_cli(env, "migrate")
    assert migrated.returncode == 0 and b"up to date" in migrated.stdout
    assert (await run_cli({**env, "DATABASE_URL": UNREACHABLE}, "migrate")).returncode == 1
    name = f"cli{secrets.token_hex(3)}"
    created = await run_cli(env, "create-user", name, "--role", "instructor", "--password-stdin",
                            stdin=b"a long enough password\n")
    assert created.returncode == 0 and f"created instructor {name}".encode() in created.stdout
    again = await run_cli(env, "create-user", name, "--password-stdin",
                          stdin=b"a long enough password\n")
    assert again.returncode == 4 and b"taken" in again.stderr
    short = await run_cli(env, "create-user", f"{name}x", "--password-stdin", stdin=b"short\n")
    assert short.returncode == 2


async def test_export_import_purge(env: dict[str, str], tmp_path: Path) -> None:
    owner, teacher = f"cand{secrets.token_hex(3)}", f"inst{secrets.token_hex(3)}"
    for name, role in ((owner, "candidate"), (teacher, "instructor")):
        made = await run_cli(env, "create-user", name, "--role", role, "--password-stdin",
                             stdin=b"a long enough password\n")
        assert made.returncode == 0, made.stderr
    missing = "00000000-0000-4000-8000-000000000000"
    assert (await run_cli(env, "export", missing, "-o", str(tmp_path / "x"))).returncode == 3
    assert (await run_cli({**env, "DATABASE_URL": UNREACHABLE}, "export", missing, "-o",
                          str(tmp_path / "x"))).returncode == 1

    # An export file made by hand: an interview with no events yet.
    interview_id = "11111111-2222-4333-8444-" + secrets.token_hex(6)
    header = {"record": "header", "format": "interview-engine/interview", "version": 1,
              "exported_at": 0, "interview": {
                  "id": interview_id, "kind": "technical", "role_title": "SRE",
                  "difficulty": "mid", "questions_total": 2, "status": "created",
                  "phase": "lobby", "question_idx": 0, "head": 0, "score": None, "plan": None,
                  "created_at": "2026-01-01T00:00:00+00:00", "started_at": None,
                  "finished_at": None},
              "questions": [], "answers": [], "analyses": [], "recordings": []}
    file = tmp_path / "made.ieinterview"
    file.write_bytes(msgpack.packb(header) + msgpack.packb({"record": "end", "events": 0}))

    assert (await run_cli(env, "import", str(tmp_path / "absent"), "--owner", owner)).returncode == 3
    assert (await run_cli(env, "import", str(file), "--owner", "nobody-here")).returncode == 3
    assert (await run_cli(env, "import", str(file), "--owner", teacher)).returncode == 4
    bad = tmp_path / "bad.ieinterview"
    bad.write_bytes(b"not an export")
    assert (await run_cli(env, "import", str(bad), "--owner", owner)).returncode == 4
    imported = await run_cli(env, "import", "-", "--owner", owner, stdin=file.read_bytes())
    assert imported.returncode == 0, imported.stderr
    assert interview_id.encode() in imported.stdout
    assert (await run_cli(env, "import", str(file), "--owner", owner)).returncode == 4

    exported = await run_cli(env, "export", interview_id)
    assert exported.returncode == 0, exported.stderr
    records = list(msgpack.Unpacker(io.BytesIO(exported.stdout), raw=False))
    assert records[0]["interview"]["id"] == interview_id and records[-1] == {"record": "end", "events": 0}
    assert (await run_cli(env, "export", interview_id, "-o", str(tmp_path / "o"))).returncode == 0
    again = list(msgpack.Unpacker(io.BytesIO((tmp_path / "o").read_bytes()), raw=False))
    assert again[0]["interview"] == records[0]["interview"] and again[1:] == records[1:]

    assert (await run_cli(env, "purge", "--older-than", "30")).returncode == 0
    assert (await run_cli({**env, "DATABASE_URL": UNREACHABLE}, "purge")).returncode == 1
