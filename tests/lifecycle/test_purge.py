"""Retention (``interview-engine purge``) and the sweep of removals a crash interrupted:
no rows and no files left behind, checked in the database and on disk."""

from __future__ import annotations

from pathlib import Path

from tests.cli import run_cli
from tests.hub.conftest import server_env
from tests.hub.peer import Api
from tests.hub.test_events_api import logged_interview
from tests.lifecycle.db_rows import execute, fetchval, recording_ids, rows_of_interview
from tests.live_server import live_server

DAY_MS = 24 * 3600 * 1000


async def age(database_url: str, interview: str, days: int) -> None:
    await execute(database_url, "UPDATE events SET ts = ts - $2 WHERE interview_id = $1::uuid",
                  interview, days * DAY_MS)


async def kinds(database_url: str, interview: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind in ("audio", "face", "transcript", "question", "phase", "state", "note"):
        value = await fetchval(database_url, "SELECT count(*) FROM events WHERE"
                               " interview_id = $1::uuid AND kind = $2", interview, kind)
        counts[kind] = int(value)  # type: ignore[call-overload]
    return counts


async def test_purge_applies_retention_and_leaves_no_rows_or_files(
    api: Api, instructor: Api, database_url: str, hub_root: Path
) -> None:
    old = await logged_interview(api, instructor)
    recent = await logged_interview(api, instructor)
    await age(database_url, old.interview, 40)
    old_recordings = await recording_ids(database_url, old.interview)
    before_old, before_recent = await kinds(database_url, old.interview), await kinds(database_url, recent.interview)
    assert before_old["audio"] and before_old["face"]
    env = server_env(database_url, hub_root)

    # Face frames by the setting only: recordings stay.
    face = await run_cli({**env, "FACE_RETENTION_DAYS": "30"}, "purge", "--face")
    assert face.returncode == 0, face.stderr
    assert b"face frames (older than 30 days): purged from 1 interviews" in face.stdout
    after = await kinds(database_url, old.interview)
    assert after["face"] == 0 and after["audio"] == before_old["audio"]

    # Nothing configured and no --older-than: recordings are kept.
    kept = await run_cli(env, "purge")
    assert kept.returncode == 0 and b"recordings (kept)" in kept.stdout
    assert (await kinds(database_url, old.interview))["audio"] == before_old["audio"]

    done = await run_cli(env, "purge", "--older-than", "30d")
    assert done.returncode == 0, done.stderr
    counts = await rows_of_interview(database_url, old.interview, old_recordings)
    assert counts["recordings"] == 0 and counts["recording_chunks"] == 0
    assert counts["pending_file_removals"] == 0
    assert not (hub_root / "recordings" / old.interview).exists()
    after = await kinds(database_url, old.interview)
    assert after["audio"] == after["face"] == 0
    for kind in ("transcript", "question", "phase", "state", "note"):
        assert after[kind] == before_old[kind], kind
    # The recent interview keeps everything.
    assert await kinds(database_url, recent.interview) == before_recent
    assert (hub_root / "recordings" / recent.interview).is_dir()

    # What is left still reads back in order, and the replay page opens.
    # (api is the second interview's candidate now; the instructor may see both.)
    events = await instructor.events(old.interview)
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    assert {e["t"] for e in events}.isdisjoint({"audio", "face"})
    assert (await instructor.http.get(f"/api/interviews/{old.interview}/recording")).status_code == 404
    assert (await instructor.http.get(f"/interviews/{old.interview}/replay")).status_code == 200


async def crashed_deletion(database_url: str, interview: str) -> None:
    """The first half of a deletion (the committed transaction) without the second."""
    await execute(database_url, "INSERT INTO pending_file_removals (interview_id, reason)"
                  " VALUES ($1::uuid, 'delete')", interview)
    await execute(database_url, "DELETE FROM interviews WHERE id = $1::uuid", interview)


async def test_a_deletion_interrupted_by_a_crash_is_finished_later(
    api: Api, instructor: Api, database_url: str, hub_root: Path
) -> None:
    first = await logged_interview(api, instructor)
    second = await logged_interview(api, instructor)
    for logged in (first, second):
        await crashed_deletion(database_url, logged.interview)
        assert (hub_root / "recordings" / logged.interview).is_dir()

    swept = await run_cli(server_env(database_url, hub_root), "purge")
    assert swept.returncode == 0, swept.stderr
    assert b"2 interrupted removals finished" in swept.stdout
    for logged in (first, second):
        assert not (hub_root / "recordings" / logged.interview).exists()
        assert all(v == 0 for v in (await rows_of_interview(database_url, logged.interview)).values())

    # A server starting up finishes them too.
    third = await logged_interview(api, instructor)
    await crashed_deletion(database_url, third.interview)
    env = server_env(database_url, hub_root)
    with live_server(env, log=hub_root / "restart.log"):
        assert not (hub_root / "recordings" / third.interview).exists()
    assert await fetchval(database_url, "SELECT count(*) FROM pending_file_removals") == 0
