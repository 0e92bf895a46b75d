"""Export an interview, import it into another engine with a fresh database: the same
event log, the same recording, and the replay page loads."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, AsyncIterator

import msgpack
import pytest

from server.lifecycle.export_format import FORMAT, MIME, VERSION
from tests.hub.peer import Api
from tests.hub.test_events_api import logged_interview


async def exported(api: Api, interview: str) -> bytes:
    response = await api.http.get(f"/api/interviews/{interview}/export")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(MIME)
    assert "attachment" in response.headers["content-disposition"]
    return response.content


def _unpack(data: bytes) -> list[dict[str, Any]]:
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(data)
    return list(unpacker)


async def import_(api: Api, data: bytes) -> Any:
    return await api.http.post("/api/interviews/import", content=data,
                               headers={"Content-Type": MIME})


@pytest.fixture
async def other(other_server: str) -> AsyncIterator[Api]:
    client = Api(other_server)
    await client.sign_up()
    yield client
    await client.close()


async def test_export_then_import_elsewhere_replays_the_same_log(
    api: Api, instructor: Api, other: Api, other_root: Path
) -> None:
    logged = await logged_interview(api, instructor)
    data = await exported(api, logged.interview)
    file = _unpack(data)
    header, events, end = file[0], file[1:-1], file[-1]
    assert (header["record"], header["format"], header["version"]) == ("header", FORMAT, VERSION)
    assert header["interview"]["id"] == logged.interview
    assert [e["seq"] for e in events] == list(range(1, logged.head + 1))
    assert end == {"record": "end", "events": logged.head}
    assert len(header["recordings"]) == 1

    # The instructor may observe, so may export too (the file is the same).
    assert _unpack(await exported(instructor, logged.interview))[1:] == file[1:]

    response = await import_(other, data)
    assert response.status_code == 201, response.text
    imported = response.json()
    assert imported["id"] == logged.interview
    assert imported["owner"]["username"] == other.user["username"]

    original, copy = await api.events(logged.interview), await other.events(logged.interview)
    assert copy == original and len(copy) == logged.head

    detail = (await other.http.get(f"/api/interviews/{logged.interview}")).json()
    source = (await api.http.get(f"/api/interviews/{logged.interview}")).json()
    for key in ("questions", "answers", "analyses", "status", "phase", "head", "kind"):
        assert detail[key] == source[key], key
    assert [(r["stream"], r["size_bytes"], r["chunks"]) for r in detail["recordings"]] == [
        (r["stream"], r["size_bytes"], r["chunks"]) for r in source["recordings"]
    ]
    audio_there = (await other.http.get(detail["recordings"][0]["url"])).content
    audio_here = (await api.http.get(source["recordings"][0]["url"])).content
    assert audio_there == audio_here and hashlib.sha256(audio_there).hexdigest() == \
        header["recordings"][0]["sha256"]
    assert (other_root / "recordings" / logged.interview).is_dir()

    page = await other.http.get(f"/interviews/{logged.interview}/replay")
    assert page.status_code == 200 and 'data-testid="replay' in page.text

    # Exporting the imported interview gives the same events again.
    assert _unpack(await exported(other, logged.interview))[1:] == file[1:]
    # The same file a second time: already here.
    again = await import_(other, data)
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"


def _file(header: dict[str, Any], events: list[dict[str, Any]], end: Any) -> bytes:
    return b"".join(msgpack.packb(r, use_bin_type=True) for r in [header, *events, end])


async def test_bad_files_are_refused_and_leave_nothing(
    api: Api, instructor: Api, other: Api, other_root: Path
) -> None:
    logged = await logged_interview(api, instructor)
    data = await exported(api, logged.interview)
    file = _unpack(data)
    header, events, end = file[0], file[1:-1], file[-1]
    audio = next(i for i, e in enumerate(events) if e["t"] == "audio")
    transcript = next(i for i, e in enumerate(events) if e["t"] == "transcript")

    def changed(index: int, **fields: Any) -> list[dict[str, Any]]:
        copy = [dict(e) for e in events]
        copy[index] = {**copy[index], **fields}
        return copy

    bad_audio = dict(events[audio]["d"], data=b"other bytes")
    cases = {
        "truncated": data[: len(data) // 2],
        "no end record": _file(header, events, {"record": "nothing"}),
        "wrong count": _file(header, events, {"record": "end", "events": 3}),
        "not msgpack": b"\xc1\xc1\xc1 this is not an export",
        "other version": _file({**header, "version": 99}, events, end),
        "other format": _file({**header, "format": "zip"}, events, end),
        "bad kind": _file({**header, "interview": {**header["interview"], "kind": "poker"}},
                          events, end),
        "seq out of order": _file(header, events[1:] + events[:1], end),
        "invalid payload": _file(header, changed(transcript, d={"seg": -1, "text": 5}), end),
        "recording mismatch": _file(header, changed(audio, d=bad_audio), end),
        "past the head": _file({**header, "interview": {**header["interview"], "head": 2}},
                               events, end),
        "trailing data": data + b"\x01",
    }
    for name, body in cases.items():
        response = await import_(other, body)
        assert response.status_code == 422, (name, response.status_code, response.text)
        assert response.json()["error"]["code"] == "invalid", name
        assert (await other.http.get(f"/api/interviews/{logged.interview}")).status_code == 404
        assert not (other_root / "recordings" / logged.interview).exists(), name
    # An instructor owns no interviews, and the API needs a login.
    teacher = Api(other.base_url)
    try:
        await teacher.sign_up("instructor")
        refused = await import_(teacher, data)
        assert refused.status_code == 403
    finally:
        await teacher.close()
    anonymous = Api(other.base_url)
    try:
        assert (await import_(anonymous, data)).status_code == 401
    finally:
        await anonymous.close()
    # After all that, the good file still imports.
    assert (await import_(other, data)).status_code == 201


async def test_strangers_cannot_export(api: Api, other: Api, server: str) -> None:
    await api.sign_up()
    interview = await api.interview()
    stranger = Api(server)
    try:
        await stranger.sign_up()
        response = await stranger.http.get(f"/api/interviews/{interview}/export")
        assert response.status_code == 404
    finally:
        await stranger.close()
