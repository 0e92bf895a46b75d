"""The audio recording: a stream's chunks appended, in order and once, to a server-named file,
served whole or by byte ranges to whoever may observe the interview."""

from __future__ import annotations

import asyncio
import random
import re
from pathlib import Path
from typing import Any

import httpx

from protocol import Audio, Face, FaceFrame, Transcript
from tests.hub.peer import Api, Peer

MIME = "audio/webm;codecs=opus"
MAX_CHUNK = 128 * 1024


def chunk_sizes(count: int, seed: int) -> list[int]:
    """Varied sizes: the smallest, the largest allowed, and everything in between."""
    rng = random.Random(seed)
    sizes = [1, MAX_CHUNK, 7, MAX_CHUNK - 1]
    while len(sizes) < count:
        sizes.append(rng.choice([rng.randint(1, 2000), rng.randint(2000, MAX_CHUNK)]))
    return sizes[:count]


def payloads(count: int, seed: int = 1) -> list[bytes]:
    rng = random.Random(seed)
    return [rng.randbytes(size) for size in chunk_sizes(count, seed)]


def filler(i: int) -> object:
    if i % 2:
        return Face(frames=(FaceFrame(t=i * 66, present=True, yaw=1.5, eye_contact=0.5),))
    return Transcript(seg=i, text=f"segment {i}", final=True, src="speech")


async def candidate_of(api: Api, interview: str, stream: str | None = None) -> Peer:
    peer = Peer(await api.ws_url(interview, "candidate"), "candidate")
    if stream is not None:
        peer.stream = stream
    await peer.connect()
    return peer


async def record(api: Api, chunks: list[bytes], *, stream: str | None = None) -> tuple[str, Peer]:
    """A new interview whose candidate sends ``chunks`` interleaved with other frames."""
    interview = await api.interview()
    candidate = await candidate_of(api, interview, stream)
    for number, data in enumerate(chunks):
        await candidate.send(filler(number))  # type: ignore[arg-type]
        await candidate.send(Audio(chunk=number, mime=MIME, data=data))
    await candidate.until(lambda p: p.acked == p.next_seq - 1 and not p.outbox, timeout=30)
    assert candidate.errors == []
    await written(api, interview, sum(map(len, chunks)))
    return interview, candidate


async def written(api: Api, interview: str, size: int, timeout: float = 10) -> None:
    """Until the recording holds ``size`` bytes: the file follows the acknowledgement."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        response = await api.http.head(f"/api/interviews/{interview}/recording")
        if response.status_code == 200 and int(response.headers["content-length"]) >= size:
            return
        assert asyncio.get_running_loop().time() < deadline, (response.status_code, response.headers)
        await asyncio.sleep(0.02)


async def fetch(api: Api, interview: str, **headers: str) -> httpx.Response:
    return await api.http.get(f"/api/interviews/{interview}/recording", headers=headers)


def assert_not_found(response: httpx.Response) -> None:
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"


def audio_events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["t"] == "audio"]


async def test_the_recording_is_every_chunk_in_order_and_served_by_ranges(api: Api) -> None:
    await api.sign_up()
    chunks = payloads(24)
    interview, candidate = await record(api, chunks)
    await candidate.close()
    whole = b"".join(chunks)
    size = len(whole)

    response = await fetch(api, interview)
    assert response.status_code == 200, response.text
    assert response.content == whole
    assert response.headers["content-type"].split(";")[0].strip() == "audio/webm"
    assert response.headers["accept-ranges"] == "bytes"
    assert int(response.headers["content-length"]) == size
    assert "content-range" not in response.headers

    first = await fetch(api, interview, Range="bytes=0-99")
    assert first.status_code == 206, first.text
    assert first.headers["content-range"] == f"bytes 0-99/{size}"
    assert int(first.headers["content-length"]) == 100
    assert first.content == whole[:100]
    assert first.headers["content-type"].split(";")[0].strip() == "audio/webm"

    open_ended = await fetch(api, interview, Range="bytes=1000-")
    assert open_ended.status_code == 206
    assert open_ended.headers["content-range"] == f"bytes 1000-{size - 1}/{size}"
    assert open_ended.content == whole[1000:]

    # A range crossing chunk boundaries, and one running past the end (clamped).
    middle = await fetch(api, interview, Range=f"bytes={MAX_CHUNK - 10}-{MAX_CHUNK + 20}")
    assert middle.status_code == 206 and middle.content == whole[MAX_CHUNK - 10 : MAX_CHUNK + 21]
    past_end = await fetch(api, interview, Range=f"bytes={size - 5}-{size + 1000}")
    assert past_end.status_code == 206
    assert past_end.headers["content-range"] == f"bytes {size - 5}-{size - 1}/{size}"
    assert past_end.content == whole[-5:]

    suffix = await fetch(api, interview, Range="bytes=-500")
    assert suffix.status_code == 206
    assert suffix.headers["content-range"] == f"bytes {size - 500}-{size - 1}/{size}"
    assert suffix.content == whole[-500:]

    # A suffix longer than the recording means all of it (RFC 9110, 14.1.2).
    longer = await fetch(api, interview, Range=f"bytes=-{size + 10}")
    assert longer.status_code == 206, longer.headers
    assert longer.headers["content-range"] == f"bytes 0-{size - 1}/{size}"
    assert longer.content == whole

    for unsatisfiable in (f"bytes={size}-", f"bytes={size + 10}-{size + 20}"):
        refused = await fetch(api, interview, Range=unsatisfiable)
        assert refused.status_code == 416, (unsatisfiable, refused.status_code)
        assert refused.headers["content-range"] == f"bytes */{size}"

    # A Range the server cannot use (another unit, bad syntax) is ignored: the whole file.
    for ignored in ("items=0-10", "bytes=abc"):
        plain = await fetch(api, interview, Range=ignored)
        assert plain.status_code == 200, (ignored, plain.status_code)
        assert plain.content == whole

    head = await api.http.head(f"/api/interviews/{interview}/recording")
    assert head.status_code == 200
    assert int(head.headers["content-length"]) == size
    assert head.headers["accept-ranges"] == "bytes"
    assert head.content == b""
    ranged_head = await api.http.head(
        f"/api/interviews/{interview}/recording", headers={"Range": "bytes=0-99"}
    )
    assert ranged_head.status_code == 206 and ranged_head.content == b""
    assert int(ranged_head.headers["content-length"]) == 100

    # The log holds the same chunks, in order, each once.
    logged = audio_events(await api.events(interview))
    assert [e["d"]["chunk"] for e in logged] == list(range(len(chunks)))
    assert [e["d"]["data"] for e in logged] == chunks
    assert all(e["d"]["mime"] == MIME for e in logged)


async def test_the_file_is_under_the_recordings_root_with_a_server_made_name(
    api: Api, hub_root: Path
) -> None:
    await api.sign_up()
    chunks = payloads(3, seed=2)
    # The stream id is the client's: it must not become a path.
    stream = "../../../escape/" + "x" * 20
    interview, candidate = await record(api, chunks, stream=stream)
    await candidate.close()
    root = (hub_root / "recordings").resolve()
    files = [p for p in root.rglob("*") if p.is_file() and interview in p.parts]
    assert len(files) == 1, files
    path = files[0].resolve()
    assert path.is_relative_to(root)
    assert path.relative_to(root).parts[0] == interview
    assert re.fullmatch(r"[0-9a-f]{16,64}\.webm", path.name), path.name
    assert "escape" not in str(path) and ".." not in path.relative_to(root).parts
    assert not (root.parent / "escape").exists() and not (hub_root / "escape").exists()
    assert path.read_bytes()[: sum(map(len, chunks))] == b"".join(chunks)
    assert (await fetch(api, interview)).content == b"".join(chunks)


async def test_who_may_fetch_the_recording(api: Api, instructor: Api, server: str) -> None:
    await api.sign_up()
    chunks = payloads(3, seed=3)
    interview, candidate = await record(api, chunks)
    await candidate.close()

    granted = Api(server)
    other_candidate = Api(server)
    anonymous = Api(server)
    try:
        await granted.sign_up("instructor")
        await api.grant(interview, granted.user["username"])
        ok = await fetch(granted, interview, Range="bytes=0-9")
        assert ok.status_code == 206 and ok.content == b"".join(chunks)[:10]
        assert (await fetch(granted, interview)).content == b"".join(chunks)

        await other_candidate.sign_up("candidate")
        assert_not_found(await fetch(other_candidate, interview))
        # Not granted: the same answer as for an interview that does not exist.
        assert_not_found(await fetch(instructor, interview))
        missing = await fetch(instructor, "00000000-0000-4000-8000-000000000000")
        assert_not_found(missing)
        assert missing.json()["error"]["message"] == (await fetch(instructor, interview)).json()["error"]["message"]
        head = await instructor.http.head(f"/api/interviews/{interview}/recording")
        assert head.status_code == 404

        refused = await fetch(anonymous, interview)
        assert refused.status_code == 401, refused.text
        assert refused.json()["error"]["code"] == "not_authenticated"
    finally:
        for client in (granted, other_candidate, anonymous):
            await client.close()


async def test_an_interview_without_audio_has_no_recording(api: Api) -> None:
    await api.sign_up()
    interview = await api.interview()
    assert_not_found(await fetch(api, interview))
    candidate = await candidate_of(api, interview)
    for i in range(4):
        await candidate.send(filler(i))  # type: ignore[arg-type]
    await candidate.until(lambda p: p.acked == 4)
    await candidate.close()
    assert_not_found(await fetch(api, interview))
    assert_not_found(await fetch(api, interview, Range="bytes=0-9"))


async def test_a_chunk_out_of_order_is_refused_and_not_stored(api: Api) -> None:
    await api.sign_up()
    interview = await api.interview()
    candidate = await candidate_of(api, interview)
    chunks = payloads(4, seed=4)
    await candidate.send(Audio(chunk=0, mime=MIME, data=chunks[0]))
    await candidate.send(Audio(chunk=1, mime=MIME, data=chunks[1]))
    skipped = await candidate.send(Audio(chunk=3, mime=MIME, data=chunks[3]))
    await candidate.until(lambda p: p.errors)
    error = candidate.errors[0]
    assert str(error.code) == "bad_payload" and error.ref == skipped and not error.fatal
    # Larger than 128 KiB: refused the same way, and it does not use up chunk 2.
    too_large = await candidate.send(Audio(chunk=2, mime=MIME, data=bytes(MAX_CHUNK + 1)))
    await candidate.until(lambda p: len(p.errors) == 2)
    assert str(candidate.errors[1].code) == "bad_payload" and candidate.errors[1].ref == too_large
    # The stream goes on from the chunk the server expects.
    await candidate.send(Audio(chunk=2, mime=MIME, data=chunks[2]))
    await candidate.send(Audio(chunk=3, mime=MIME, data=chunks[3]))
    await candidate.until(lambda p: p.acked == 6)
    assert len(candidate.errors) == 2
    await candidate.close()
    await written(api, interview, sum(map(len, chunks)))

    assert (await fetch(api, interview)).content == b"".join(chunks)
    logged = audio_events(await api.events(interview))
    assert [e["d"]["chunk"] for e in logged] == [0, 1, 2, 3]
    assert [e["d"]["src_seq"] for e in logged] == [1, 2, 5, 6]
    assert [e["d"]["data"] for e in logged] == chunks


async def test_a_chunk_resent_after_a_reconnect_is_stored_once(api: Api) -> None:
    """Stored but never seen acknowledged: resending it (same stream, same seq) adds nothing."""
    await api.sign_up()
    interview = await api.interview()
    candidate = await candidate_of(api, interview)
    chunks = payloads(8, seed=5)
    sent: dict[int, Audio] = {}
    for number in range(5):
        audio = Audio(chunk=number, mime=MIME, data=chunks[number])
        sent[await candidate.send(audio)] = audio
    # Wait until the log holds them, without reading the candidate's acks.
    for _ in range(200):
        if len(audio_events(await api.events(interview))) == 5:
            break
        await asyncio.sleep(0.05)
    assert candidate.acked == 0 and len(candidate.outbox) == 5
    candidate.drop()

    welcome = await candidate.connect(await api.ws_url(interview, "candidate"))
    assert welcome.acked == 5
    # A client that resends anyway: every duplicate is acknowledged and ignored.
    for seq in sorted(sent):
        await candidate.send_as(sent[seq], seq)
    for number in range(5, 8):
        await candidate.send(Audio(chunk=number, mime=MIME, data=chunks[number]))
    await candidate.until(lambda p: p.acked == 8)
    await candidate.close()
    assert candidate.errors == []
    await written(api, interview, sum(map(len, chunks)))
    assert (await fetch(api, interview)).content == b"".join(chunks)
    logged = audio_events(await api.events(interview))
    assert [e["d"]["chunk"] for e in logged] == list(range(8))


async def test_chunks_in_flight_at_a_drop_are_stored_once(api: Api) -> None:
    """Dropped mid-burst, reconnecting at once and resending everything unacknowledged
    (some of it possibly still being written by the old connection): no byte twice."""
    await api.sign_up()
    interview = await api.interview()
    candidate = await candidate_of(api, interview)
    chunks = payloads(60, seed=6)
    number = 0
    for attempt in range(4):
        url = await api.ws_url(interview, "candidate")
        for _ in range(12):
            await candidate.send(Audio(chunk=number, mime=MIME, data=chunks[number]))
            number += 1
        # Cut at once (frames lost on the way), or after they left (the old connection is
        # still storing them while the new one resends them).
        candidate.drop(flush=attempt % 2 == 1)
        await candidate.connect(url)
    for number in range(number, len(chunks)):
        await candidate.send(Audio(chunk=number, mime=MIME, data=chunks[number]))
    await candidate.until(lambda p: p.acked == len(chunks), timeout=30)
    await candidate.close()
    assert [str(e.code) for e in candidate.errors] == []
    await written(api, interview, sum(map(len, chunks)))
    response = await fetch(api, interview)
    assert len(response.content) == sum(map(len, chunks))
    assert response.content == b"".join(chunks)
    logged = audio_events(await api.events(interview))
    assert [e["d"]["chunk"] for e in logged] == list(range(len(chunks)))
    assert [e["d"]["src_seq"] for e in logged] == list(range(1, len(chunks) + 1))


async def test_chunks_resent_over_a_takeover_are_stored_once(api: Api) -> None:
    """A new connection of the same tab takes over while the old one is still delivering:
    what it resends overlaps what the old connection is storing at that moment."""
    await api.sign_up()
    interview = await api.interview()
    candidate = await candidate_of(api, interview)
    chunks = payloads(60, seed=7)
    number = 0
    replaced: list[Any] = []
    for _ in range(4):
        url = await api.ws_url(interview, "candidate")
        for _ in range(12):
            await candidate.send(Audio(chunk=number, mime=MIME, data=chunks[number]))
            number += 1
        replaced.append(candidate.ws)
        await candidate.connect(url)
    for number in range(number, len(chunks)):
        await candidate.send(Audio(chunk=number, mime=MIME, data=chunks[number]))
    await candidate.until(lambda p: p.acked == len(chunks), timeout=30)
    await candidate.close()
    for ws in replaced:
        assert ws is not None
        await ws.close()
    assert [str(e.code) for e in candidate.errors] == []
    await written(api, interview, sum(map(len, chunks)))
    response = await fetch(api, interview)
    assert response.content == b"".join(chunks)
    logged = audio_events(await api.events(interview))
    assert [e["d"]["chunk"] for e in logged] == list(range(len(chunks)))
    assert [e["d"]["src_seq"] for e in logged] == list(range(1, len(chunks) + 1))
