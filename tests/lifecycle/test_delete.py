"""Deleting an interview or an account: no rows and no files left, and everyone who was
watching loses access at once (their sockets close)."""

from __future__ import annotations

from pathlib import Path

from protocol import Transcript
from tests.hub.peer import Api, PASSWORD, Peer, watched_interview
from tests.hub.test_events_api import logged_interview
from tests.lifecycle.db_rows import recording_ids, rows_of_interview


def nothing_left(counts: dict[str, int]) -> bool:
    return all(value == 0 for value in counts.values())


async def test_deleting_an_interview_leaves_nothing_and_closes_sockets(
    api: Api, instructor: Api, server: str, database_url: str, hub_root: Path
) -> None:
    logged = await logged_interview(api, instructor)
    folder = hub_root / "recordings" / logged.interview
    recordings = await recording_ids(database_url, logged.interview)
    before = await rows_of_interview(database_url, logged.interview, recordings)
    assert before["events"] == logged.head and before["recordings"] == 1
    assert before["recording_chunks"] > 0 and before["interview_access"] == 1
    assert any(folder.iterdir())
    # A ticket left unused is part of it too.
    await api.ws_url(logged.interview, "observer")

    observer = Peer(await instructor.ws_url(logged.interview, "observer"), "observer")
    await observer.connect()
    candidate = Peer(await api.ws_url(logged.interview, "candidate"), "candidate")
    await candidate.connect()

    stranger = Api(server)
    try:
        await stranger.sign_up()
        assert (await stranger.http.delete(f"/api/interviews/{logged.interview}")).status_code == 404
    finally:
        await stranger.close()
    refused = await instructor.http.delete(f"/api/interviews/{logged.interview}")
    assert refused.status_code == 403

    assert (await api.http.delete(f"/api/interviews/{logged.interview}")).status_code == 204
    assert await observer.close_code() == 4004
    assert await candidate.close_code() == 4004

    assert nothing_left(await rows_of_interview(database_url, logged.interview, recordings))
    assert not folder.exists()
    for client in (api, instructor):
        for path in ("", "/events", "/recording", "/export"):
            response = await client.http.get(f"/api/interviews/{logged.interview}{path}")
            assert response.status_code == 404, path
    assert (await api.http.delete(f"/api/interviews/{logged.interview}")).status_code == 404


async def test_revoking_access_closes_the_instructors_socket(api: Api, instructor: Api) -> None:
    interview, observer, candidate = await watched_interview(api, instructor)
    response = await api.http.delete(
        f"/api/interviews/{interview}/observers/{instructor.user['username']}"
    )
    assert response.status_code == 204
    assert await observer.close_code() == 4003
    # The candidate goes on.
    await candidate.send(Transcript(seg=0, text="still here", final=True, src="typed"))
    await candidate.until(lambda p: p.acked == 1)
    await candidate.close()
    assert (await instructor.http.get(f"/api/interviews/{interview}")).status_code == 404


async def test_deleting_an_account(
    api: Api, instructor: Api, server: str, database_url: str, hub_root: Path
) -> None:
    logged = await logged_interview(api, instructor)
    second = await api.interview()
    recordings = await recording_ids(database_url, logged.interview)
    observer = Peer(await instructor.ws_url(logged.interview, "observer"), "observer")
    await observer.connect()

    wrong = await api.http.request("DELETE", "/api/account", json={"password": "not it at all"})
    assert wrong.status_code == 403
    assert (await api.http.get("/api/session")).status_code == 200
    gone = await api.http.request("DELETE", "/api/account", json={"password": PASSWORD})
    assert gone.status_code == 204
    assert await observer.close_code() == 4004

    for interview in (logged.interview, second):
        assert nothing_left(await rows_of_interview(database_url, interview, recordings))
        assert not (hub_root / "recordings" / interview).exists()
    assert (await api.http.get("/api/session")).status_code == 401
    login = await api.http.post("/api/session", json={"username": api.user["username"],
                                                      "password": PASSWORD})
    assert login.status_code == 401


async def test_an_instructor_deleting_their_account_loses_access(
    api: Api, instructor: Api, database_url: str
) -> None:
    await api.sign_up()
    interview = await api.interview()
    await api.grant(interview, instructor.user["username"])
    observer = Peer(await instructor.ws_url(interview, "observer"), "observer")
    await observer.connect()
    gone = await instructor.http.request("DELETE", "/api/account", json={"password": PASSWORD})
    assert gone.status_code == 204
    assert await observer.close_code() == 4003
    counts = await rows_of_interview(database_url, interview)
    assert counts["interviews"] == 1 and counts["interview_access"] == 0
    detail = (await api.http.get(f"/api/interviews/{interview}")).json()
    assert detail["observers"] == []


async def test_deleting_an_interview_removes_its_uploads(api: Api, hub_root: Path) -> None:
    await api.sign_up()
    interview = await api.interview()
    response = await api.http.put(
        f"/api/interviews/{interview}/resume",
        content="Backend engineer. Led the migration of billing to Kafka.".encode(),
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )
    assert response.status_code == 201, response.text
    folder = hub_root / "data" / "uploads" / interview
    assert any(folder.iterdir())

    assert (await api.http.delete(f"/api/interviews/{interview}")).status_code == 204
    assert not folder.exists()
