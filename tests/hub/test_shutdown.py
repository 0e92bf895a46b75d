"""SIGTERM drains: no new sockets, every frame taken is stored and acknowledged, then 1001."""

from __future__ import annotations

import asyncio
import signal
import uuid
from contextlib import AsyncExitStack, ExitStack
from pathlib import Path

import asyncpg
import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from db.embedded import libpq_dsn
from protocol import Ping, Pong, encode
from tests.hub.conftest import server_env
from tests.hub.peer import Api, Peer
from tests.hub.test_delivery import mixed_frames
from tests.hub.test_processes import client, lock_waited_on, member, reader, start_server, tail


async def refused_with(url: str) -> int:
    """Open a socket; the close code the server answers with."""
    async with connect(url) as ws:
        try:
            while True:
                await asyncio.wait_for(ws.recv(), 10)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd is not None else 1006


async def test_sigterm_stores_every_frame_taken_then_closes_with_1001(
    database_url: str, tmp_path: Path
) -> None:
    log = tmp_path / "server.log"
    frames = mixed_frames(300, seed=12)
    with ExitStack() as stack:
        url, process = await start_server(stack, server_env(database_url, tmp_path), log)
        async with AsyncExitStack() as cleanup:
            api, instructor = client(cleanup, Api(url)), client(cleanup, Api(url))
            await api.sign_up()
            await instructor.sign_up("instructor")
            interview = await api.interview()
            await api.grant(interview, instructor.user["username"])
            observer = member(cleanup, Peer(await instructor.ws_url(interview, "observer"), "observer"))
            await observer.connect()
            watching = reader(cleanup, observer)
            candidate = member(cleanup, Peer(await api.ws_url(interview, "candidate"), "candidate"))
            await candidate.connect()
            await candidate.send(frames[0])  # type: ignore[arg-type]
            await candidate.until(lambda p: p.acked == 1)
            late = await instructor.ws_url(interview, "observer")  # for a socket opened later

            # The database holds the writer back, so the frames sent next are taken but not
            # yet stored when SIGTERM arrives.
            holder = await asyncpg.connect(libpq_dsn(database_url))
            cleanup.push_async_callback(holder.close)
            lock = holder.transaction()
            await lock.start()
            await holder.execute("LOCK TABLE events IN SHARE MODE")
            for frame in frames[1:]:
                await candidate.send(frame)  # type: ignore[arg-type]
            assert candidate.ws is not None
            await candidate.ws.send(encode(Ping()))
            await candidate.until(lambda p: any(isinstance(m, Pong) for m in p.controls))
            # The pong answers a ping read after every frame: all were taken by the server.
            await lock_waited_on(holder, "events")
            assert candidate.acked == 1

            process.send_signal(signal.SIGTERM)
            async with httpx.AsyncClient(base_url=url, timeout=10) as http:
                while not (await http.get("/readyz")).json().get("shutting_down"):
                    await asyncio.sleep(0.02)
            # Draining: a new socket is turned away with 1001 (before its ticket is spent).
            assert await refused_with(late) == 1001
            await lock.rollback()  # the writer goes on

            assert await candidate.close_code() == 1001, tail(log)
            assert await asyncio.wait_for(watching, 30) == 1001
            returncode = await asyncio.to_thread(process.wait, 30)
            assert returncode == 0, tail(log)
            # Every frame was stored and acknowledged before the close: nothing to resend.
            assert candidate.acked == len(frames) and candidate.outbox == {}
            rows = await holder.fetch(
                "SELECT seq, kind, client_seq FROM events WHERE interview_id = $1 ORDER BY seq",
                uuid.UUID(interview),
            )
            assert [r["client_seq"] for r in rows] == list(range(1, len(frames) + 1))
            # The observer got all of it too, in order, before its 1001.
            assert [e.seq for e in observer.events] == [r["seq"] for r in rows]
            assert observer.gaps == []
            assert [e.message.message for e in observer.events] == frames  # type: ignore[attr-defined]
            print(f"\nSIGTERM: {len(frames) - 1} frames taken but not stored at the signal; all "
                  "stored and acknowledged before 1001")
