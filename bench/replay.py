"""Replay: loading a 60-minute interview's log through the events API, as the replay page does.

The log is written straight into the database (COPY, as the event writer stores it):
the default profile's mix of face messages (5 frames), transcripts and 1 KiB audio
chunks, ``events`` of them spread over 60 minutes. Then an instructor who may watch the
interview pages through ``GET /api/interviews/<id>/events`` in MessagePack with the replay
page's page size. Reported: the time to the first page (the first events on screen), the
time to the whole log, and the server's resident memory before and at its peak.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import msgpack

from bench.common import engine_server
from bench.saturate import face_payload
from db.embedded import libpq_dsn
from server.hub.events import pack
from server.loadtest.session import SENTENCES, Api

# The replay page's page size (web/static/js/replay.js).
PAGE_LIMIT = 2000
MIX = ("face", "transcript", "audio", "face", "audio", "transcript", "face", "audio",
       "transcript", "audio")  # per second: 3 face, 3 transcript, 4 audio


def _payload(kind: str, n: int, audio: bytes) -> dict[str, Any]:
    if kind == "face":
        return face_payload()
    if kind == "audio":
        return {"chunk": n, "mime": "audio/webm;codecs=opus", "data": audio}
    return {"seg": n // 3, "text": SENTENCES[n % len(SENTENCES)], "final": n % 3 == 2,
            "src": "speech"}


async def _fill(url: str, interview_id: str, events: int, minutes: float) -> None:
    """Store ``events`` candidate events spread over ``minutes`` and move the head."""
    connection = await asyncpg.connect(libpq_dsn(url))
    try:
        interview = uuid.UUID(interview_id)
        stream = str(uuid.uuid4())
        audio = os.urandom(1024)
        start = int(time.time() * 1000) - int(minutes * 60_000)
        step_ms = minutes * 60_000 / events
        counts = {"face": 0, "transcript": 0, "audio": 0}
        records = []
        for i in range(events):
            kind = MIX[i % len(MIX)]
            records.append((interview, i + 1, kind, stream, i + 1, start + int(i * step_ms),
                            pack(_payload(kind, counts[kind], audio))))
            counts[kind] += 1
        async with connection.transaction():
            await connection.copy_records_to_table(
                "events", records=records,
                columns=("interview_id", "seq", "kind", "stream", "client_seq", "ts", "payload"))
            await connection.execute("UPDATE interviews SET head_seq = $2 WHERE id = $1",
                                     interview, events)
    finally:
        await connection.close()


def _memory_kb(pid: int, field: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


async def _load(api: Api, interview_id: str) -> tuple[float, float, int]:
    """Seconds to the first page and to the whole log, and the number of events."""
    start = time.perf_counter()
    first = None
    after, loaded = 0, 0
    while True:
        response = await api.http.get(
            f"/api/interviews/{interview_id}/events", params={"after": after, "limit": PAGE_LIMIT},
            headers={"Accept": "application/msgpack"})
        if response.status_code != 200:
            raise RuntimeError(f"events: {response.status_code} {response.text[:200]}")
        body = msgpack.unpackb(response.content)
        page = body["events"]
        if first is None:
            first = time.perf_counter() - start
        loaded += len(page)
        if page:
            after = page[-1]["seq"]
        if len(page) < PAGE_LIMIT or after >= body["head"]:
            return first, time.perf_counter() - start, loaded


async def _measure(url: str, base: str, pid: int, events: int, minutes: float) -> dict[str, Any]:
    candidate, instructor = Api(base), Api(base)
    try:
        await candidate.sign_up("candidate")
        await instructor.sign_up("instructor")
        interview = await candidate.create_interview(3)
        await candidate.grant(interview, instructor.username)
        await _fill(url, interview, events, minutes)
        rss_before = _memory_kb(pid, "VmRSS")
        runs = [await _load(instructor, interview) for _ in range(3)]
        peak = _memory_kb(pid, "VmHWM")
    finally:
        await candidate.close()
        await instructor.close()
    if any(loaded != events for _, _, loaded in runs):
        raise RuntimeError(f"replay loaded {[r[2] for r in runs]} events, not {events}")
    firsts = sorted(r[0] for r in runs)
    fulls = sorted(r[1] for r in runs)
    return {
        "events": events, "minutes": minutes, "page_limit": PAGE_LIMIT, "runs": len(runs),
        "first_page_s": round(firsts[len(firsts) // 2], 3),
        "full_load_s": round(fulls[len(fulls) // 2], 3),
        "events_per_s": round(events / fulls[len(fulls) // 2]),
        "server_rss_before_mb": round(rss_before / 1024, 1) if rss_before else None,
        "server_peak_rss_mb": round(peak / 1024, 1) if peak else None,
    }


def run(url: str, *, events: int = 60_000, minutes: float = 60.0) -> dict[str, Any]:
    """Median of three loads of one ``events``-long interview (a fresh server)."""
    with engine_server(url) as (base, server):
        return asyncio.run(_measure(url, base, server.pid, events, minutes))
