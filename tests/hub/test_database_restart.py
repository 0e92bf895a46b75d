"""PostgreSQL restarts under a live interview: the server stays up, says it is degraded,
holds what it took, refuses past its bound, and stores everything exactly once after.

The database is a cluster of this test's own (never a shared server), stopped and started
with ``pg_ctl``.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack, ExitStack
from pathlib import Path

import asyncpg
import httpx

from db.embedded import ensure_database, libpq_dsn
from protocol import Analysis, ErrorCode, State, Transcript
from tests.hub.cluster import dedicated_cluster
from tests.hub.conftest import server_env
from tests.hub.peer import Api, Peer
from tests.hub.test_delivery import mixed_frames
from tests.hub.test_processes import (
    client, decoded, eventually, lock_waited_on, member, phases, reader, relayed_frames,
    start_server, tail,
)

BOUND = 120


async def readiness(url: str) -> tuple[int, dict[str, object]]:
    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        response = await http.get("/readyz")
        return response.status_code, response.json()


async def test_a_database_restart_mid_interview_loses_and_doubles_nothing(tmp_path: Path) -> None:
    frames = mixed_frames(500, seed=5)
    before, during = 150, BOUND + 30
    with dedicated_cluster() as (cluster, server_url), ExitStack() as servers:
        database_url = await ensure_database(server_url, "ie_restart")
        env = {**server_env(database_url, tmp_path), "EVENT_BUFFER_FRAMES": str(BOUND)}
        url, process = await start_server(servers, env, tmp_path / "server.log")
        async with AsyncExitStack() as cleanup:
            api, instructor = client(cleanup, Api(url)), client(cleanup, Api(url))
            await api.sign_up()
            await instructor.sign_up("instructor")
            interview = await api.interview(questions=2)
            await api.grant(interview, instructor.user["username"])
            observer = member(cleanup, Peer(await instructor.ws_url(interview, "observer"), "observer"))
            await observer.connect()
            candidate = member(cleanup, Peer(await api.ws_url(interview, "candidate"), "candidate"))
            await candidate.connect()
            watching, acks = reader(cleanup, observer), reader(cleanup, candidate)
            sent: list[object] = []

            async def send(messages: list[object]) -> None:
                for message in messages:
                    await candidate.send(message)  # type: ignore[arg-type]
                    sent.append(message)
                    await asyncio.sleep(0.002)

            await send([State(action="start")])
            await eventually(lambda: phases(candidate)[-1:] == ["asking"], "the first question")
            await send([State(action="answer_start"), Transcript(seg=0, text="I would measure first.", final=True, src="typed")])
            await send(frames[:before])
            await eventually(lambda: candidate.acked == len(sent), "everything so far acknowledged")
            assert (await readiness(url))[0] == 200

            # The flow is storing the answer's analysis when the database goes away: its
            # batch waits on a lock, then the restart kills the transaction.
            holder = await asyncpg.connect(libpq_dsn(database_url))
            lock = holder.transaction()
            await lock.start()
            await holder.execute("LOCK TABLE analyses IN SHARE MODE")
            await send([State(action="answer_end")])
            await lock_waited_on(holder, "analyses")
            await eventually(lambda: candidate.acked == len(sent), "the answer_end acknowledged")
            acked_before_outage = candidate.acked
            outage_started = time.monotonic()
            await asyncio.to_thread(cluster.stop)

            # Degraded: every member is told (not fatal), /readyz says so, the HTTP API too.
            await send(frames[before:before + during])
            await eventually(lambda: any(e.code == ErrorCode.UNAVAILABLE and e.ref is None
                                         for e in candidate.errors), "the candidate told")
            await eventually(lambda: any(e.code == ErrorCode.UNAVAILABLE and e.ref is None
                                         for e in observer.errors), "the observer told")
            # The bound: exactly BOUND frames were taken; the next is refused with its seq and
            # not acknowledged (the client keeps it), the ones after it are not taken either.
            await eventually(lambda: any(e.ref is not None for e in candidate.errors), "a refusal")
            assert not any(e.fatal for e in candidate.errors + observer.errors)
            status, ready = await readiness(url)
            assert status == 503 and ready["event_log"] == "degraded", ready
            response = await api.http.post(f"/api/interviews/{interview}/tickets", json={"role": "observer"})
            assert response.status_code == 503 and response.json()["error"]["code"] == "unavailable"
            refused = [e for e in candidate.errors if e.code == ErrorCode.UNAVAILABLE and e.ref is not None]
            first_refused = acked_before_outage + 1 + BOUND  # after the answer_end and BOUND frames
            assert refused[0].ref == first_refused, (refused[0], acked_before_outage)
            assert candidate.acked == acked_before_outage
            assert ready["buffered_frames"] == BOUND
            assert process.poll() is None  # the server stays up
            # Like a browser, the candidate drops the connection on a refusal and reconnects
            # later; its outbox holds everything not acknowledged.
            candidate.drop()
            await asyncio.wait_for(acks, 10)
            unacked = sorted(candidate.outbox)
            assert unacked == list(range(acked_before_outage + 1, len(sent) + 1))

            holder.terminate()  # its transaction went with the server
            await asyncio.to_thread(cluster.start)
            back_at = time.monotonic()
            await eventually(lambda: observer.last_seq >= acked_before_outage + BOUND + 1,
                             "the held frames stored and relayed", timeout=60)
            stored_after_s = time.monotonic() - back_at
            await eventually(lambda: any(isinstance(e.message, Analysis) for e in observer.events),
                             "the analysis the outage interrupted", timeout=60)
            while (await readiness(url))[0] != 200:  # the pool and LISTEN reconnected
                await asyncio.sleep(0.05)
            ready_after_s = time.monotonic() - back_at

            api2 = client(cleanup, api.at(url))
            welcome = await candidate.connect(await api2.ws_url(interview, "candidate"))
            assert welcome.acked == first_refused - 1  # every frame taken was stored
            reader(cleanup, candidate)
            await send(frames[before + during:])
            await eventually(lambda: candidate.acked == len(sent), "every frame acknowledged")
            await send([State(action="answer_start")])
            await eventually(lambda: phases(candidate)[-1:] == ["answering"], "answering again")
            await send([Transcript(seg=1, text="Then I would fix it.", final=True, src="typed"),
                        State(action="answer_end")])
            await eventually(lambda: sum(isinstance(e.message, Analysis) for e in candidate.events) == 2,
                             "the next answer analysed: the interview goes on", timeout=30)
            assert [e.code for e in candidate.errors if e.code != ErrorCode.SEQ_GAP] == [
                ErrorCode.UNAVAILABLE, ErrorCode.UNAVAILABLE]

            log = await api2.events(interview)
            assert [e["seq"] for e in log] == list(range(1, len(log) + 1))
            frames_logged = [e for e in log if "src_seq" in e["d"]]
            assert [e["d"]["src_seq"] for e in frames_logged] == list(range(1, len(sent) + 1))
            assert [decoded(e) for e in frames_logged] == sent
            assert [e["t"] for e in log].count("analysis") == 2
            await eventually(lambda: observer.last_seq == log[-1]["seq"], "the observer at the head")
            assert [(e.seq, e.message.TYPE) for e in observer.events] == [(e["seq"], e["t"]) for e in log]
            assert observer.gaps == [] and not watching.done(), tail(tmp_path / "server.log")
            print(f"\ndatabase restart: {BOUND} frames held, outage {back_at - outage_started:.2f} s, "
                  f"held frames stored {stored_after_s:.2f} s and /readyz ready "
                  f"{ready_after_s:.2f} s after the database was back; {len(sent)} frames, "
                  f"{len(log)} events, each once")
