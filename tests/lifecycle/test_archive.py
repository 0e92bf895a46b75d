"""The archive of one's own data: a zip with the account, every interview (document,
transcript, export file) and the recordings, streamed."""

from __future__ import annotations

import io
import json
import zipfile

import msgpack

from tests.hub.peer import Api
from tests.hub.test_events_api import logged_interview


async def test_the_archive_holds_everything_of_the_account(api: Api, instructor: Api) -> None:
    logged = await logged_interview(api, instructor)
    empty = await api.interview()
    response = await api.http.get("/api/account/archive")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    assert "content-length" not in response.headers  # streamed as it is made
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None
    names = archive.namelist()
    account = json.loads(archive.read("account.json"))
    assert account["username"] == api.user["username"] and "password_hash" not in account
    folders = {name.split("/")[1] for name in names if name.startswith("interviews/")}
    assert len(folders) == 2
    assert all(any(i in folder for folder in folders) for i in (logged.interview, empty))

    folder = next(f"interviews/{f}" for f in folders if logged.interview in f)
    document = json.loads(archive.read(f"{folder}/interview.json"))
    detail = (await api.http.get(f"/api/interviews/{logged.interview}")).json()
    assert document["questions"] == detail["questions"]
    transcript = archive.read(f"{folder}/transcript.txt").decode()
    assert detail["questions"][0]["text"] in transcript
    export = list(msgpack.Unpacker(io.BytesIO(archive.read(f"{folder}/interview.ieinterview")),
                                   raw=False))
    assert [r["seq"] for r in export[1:-1]] == list(range(1, logged.head + 1))
    recording = next(name for name in names if name.startswith(f"{folder}/recording-1."))
    audio = (await api.http.get(detail["recordings"][0]["url"])).content
    assert archive.read(recording) == audio and len(audio) > 0

    # The instructor's archive lists what they may observe, and holds none of it.
    theirs = zipfile.ZipFile(io.BytesIO((await instructor.http.get("/api/account/archive")).content))
    shared = json.loads(theirs.read("shared-with-me.json"))
    assert [s["id"] for s in shared] == [logged.interview]
    assert not [n for n in theirs.namelist() if n.startswith("interviews/")]
    anonymous = Api(api.base_url)
    try:
        assert (await anonymous.http.get("/api/account/archive")).status_code == 401
    finally:
        await anonymous.close()
