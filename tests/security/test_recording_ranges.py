"""``GET /api/interviews/<id>/recording`` answers Range requests per RFC 9110: several and
overlapping ranges, invalid headers, past the end, suffixes, an empty recording."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

from protocol import Audio, Hello, decode_server_frame, encode
from server.context import EngineApp
from tests.conftest import account, new_interview

MIME = "audio/webm"


async def record(app: EngineApp, client: Any, chunks: list[bytes]) -> str:
    interview = await new_interview(client)
    issued = await (await client.post(
        f"/api/interviews/{interview['id']}/tickets", json={"role": "candidate"})).get_json()
    async with app.test_client(use_cookies=False).websocket(issued["url"]) as ws:
        await ws.send(encode(Hello(role="candidate", stream=str(uuid.uuid4()), last_seq=0)))
        await ws.receive()
        for seq, data in enumerate(chunks, start=1):
            await ws.send(encode(Audio(chunk=seq - 1, mime=MIME, data=data), seq=seq))
        while True:
            message = decode_server_frame(await ws.receive()).message
            if message.TYPE == "ack" and message.upto == len(chunks):  # type: ignore[attr-defined]
                break
    # The file follows the acknowledgement: wait until it holds every chunk.
    size = sum(map(len, chunks))
    for _ in range(500):
        if len(await (await get(client, str(interview["id"]))).get_data()) >= size:
            break
        await asyncio.sleep(0.02)
    return str(interview["id"])


async def get(client: Any, interview_id: str, range_header: str | None = None, method: str = "GET") -> Any:
    headers = {"Range": range_header} if range_header is not None else {}
    return await client.open(f"/api/interviews/{interview_id}/recording", method=method, headers=headers)


def parts(response: Any, body: bytes) -> list[tuple[str, bytes]]:
    boundary = re.fullmatch(r"multipart/byteranges; boundary=(\w+)", response.headers["Content-Type"]).group(1)
    assert body.endswith(f"--{boundary}--\r\n".encode())
    found = []
    for part in body.split(f"--{boundary}".encode())[1:-1]:
        head, _, data = part.partition(b"\r\n\r\n")
        assert data.endswith(b"\r\n")
        lines = dict(line.split(": ", 1) for line in head.decode().strip().split("\r\n"))
        assert lines["Content-Type"] == MIME
        found.append((lines["Content-Range"], data[:-2]))
    return found


async def test_range_edge_cases(app: EngineApp) -> None:
    client, _ = await account(app)
    whole = bytes(range(256)) * 20
    interview_id = await record(app, client, [whole[:2000], whole[2000:]])
    size = len(whole)

    plain = await get(client, interview_id)
    assert plain.status_code == 200 and await plain.get_data() == whole
    assert plain.headers["Accept-Ranges"] == "bytes"

    for invalid in ("bytes=abc", "bytes=50-10", "lines=0-9", "bytes=0-9;x", "bytes=--1"):
        response = await get(client, interview_id, invalid)
        assert response.status_code == 200, invalid
        assert await response.get_data() == whole and "Content-Range" not in response.headers

    for past_end in (f"bytes={size}-", f"bytes={size + 1}-{size + 99}", "bytes=-0"):
        response = await get(client, interview_id, past_end)
        assert response.status_code == 416, past_end
        assert response.headers["Content-Range"] == f"bytes */{size}"

    suffix = await get(client, interview_id, "bytes=-100")
    assert suffix.status_code == 206 and await suffix.get_data() == whole[-100:]
    assert suffix.headers["Content-Range"] == f"bytes {size - 100}-{size - 1}/{size}"

    overlapping = await get(client, interview_id, "bytes=0-99,50-149,150-199")
    assert overlapping.status_code == 206
    assert overlapping.headers["Content-Range"] == f"bytes 0-199/{size}"
    assert await overlapping.get_data() == whole[:200]

    several = await get(client, interview_id, "bytes=3000-3009,0-9,-5")
    body = await several.get_data()
    assert several.status_code == 206 and int(several.headers["Content-Length"]) == len(body)
    assert parts(several, body) == [
        (f"bytes 0-9/{size}", whole[:10]),
        (f"bytes 3000-3009/{size}", whole[3000:3010]),
        (f"bytes {size - 5}-{size - 1}/{size}", whole[-5:]),
    ]
    head = await get(client, interview_id, "bytes=3000-3009,0-9", method="HEAD")
    assert head.status_code == 206 and await head.get_data() == b""
    assert head.headers["Content-Type"].startswith("multipart/byteranges; boundary=")

    many = ",".join(f"{i * 2}-{i * 2}" for i in range(40))  # too many pieces: ignored
    response = await get(client, interview_id, f"bytes={many}")
    assert response.status_code == 200 and await response.get_data() == whole


async def test_an_empty_recording(app: EngineApp) -> None:
    client, _ = await account(app)
    interview_id = await record(app, client, [b""])
    response = await get(client, interview_id)
    assert response.status_code == 200 and await response.get_data() == b""
    assert response.headers["Content-Length"] == "0"
    for header in ("bytes=0-", "bytes=0-0"):
        refused = await get(client, interview_id, header)
        assert refused.status_code == 416 and refused.headers["Content-Range"] == "bytes */0"
    suffix = await get(client, interview_id, "bytes=-10")
    assert suffix.status_code == 200 and await suffix.get_data() == b""


async def test_the_file_name_comes_from_the_server_not_the_request(app: EngineApp) -> None:
    client, _ = await account(app)
    interview_id = await record(app, client, [b"abc"])
    for stream in ("../../etc/passwd", "/etc/passwd", "..%2f..%2fsecret_key"):
        response = await client.get(f"/api/interviews/{interview_id}/recording", query_string={"stream": stream})
        assert response.status_code == 404
    for path in (f"/api/interviews/{interview_id}/recording/../../../secret_key",
                 f"/api/interviews/..%2f..%2f{interview_id}/recording"):
        assert (await client.get(path)).status_code == 404
