"""SIGKILL of the server while several candidates stream and observers watch: after a
restart every client resumes, every frame is stored exactly once, and every observer ends
with exactly the event sequence of the database."""

from __future__ import annotations

import asyncio
import signal
from contextlib import AsyncExitStack, ExitStack
from pathlib import Path

import msgpack

from protocol import State, decode_server_frame
from tests.hub.conftest import server_env
from tests.hub.peer import Api, Peer
from tests.hub.test_delivery import mixed_frames
from tests.hub.test_processes import (
    client, decoded, eventually, member, phases, reader, start_server, tail,
)

CANDIDATES, OBSERVERS_EACH = 3, 2
# Frames each candidate sends just before the kill, without pausing.
IN_FLIGHT = 4


async def test_a_kill_with_several_candidates_and_observers(database_url: str, tmp_path: Path) -> None:
    env = server_env(database_url, tmp_path)
    scripts = [mixed_frames(360, seed=40 + i) for i in range(CANDIDATES)]
    before_kill, offline = 200, 30
    with ExitStack() as first_life, ExitStack() as second_life:
        url, process = await start_server(first_life, env, tmp_path / "first.log")
        async with AsyncExitStack() as cleanup:
            owners = [client(cleanup, Api(url)) for _ in range(CANDIDATES)]
            instructors = [client(cleanup, Api(url)) for _ in range(OBSERVERS_EACH)]
            for owner in owners:
                await owner.sign_up()
            for instructor in instructors:
                await instructor.sign_up("instructor")
            interviews = [await owner.interview(questions=2) for owner in owners]
            candidates: list[Peer] = []
            observers: list[list[Peer]] = []
            sent: list[list[object]] = [[] for _ in range(CANDIDATES)]
            for owner, interview in zip(owners, interviews):
                watchers = []
                for instructor in instructors:
                    await owner.grant(interview, instructor.user["username"])
                    watcher = member(cleanup, Peer(await instructor.ws_url(interview, "observer"), "observer"))
                    await watcher.connect()
                    watchers.append(watcher)
                observers.append(watchers)
                candidate = member(cleanup, Peer(await owner.ws_url(interview, "candidate"), "candidate"))
                await candidate.connect()
                candidates.append(candidate)
            readers = [reader(cleanup, peer) for peer in candidates + sum(observers, [])]

            async def stream(i: int, messages: list[object]) -> None:
                for message in messages:
                    await candidates[i].send(message)  # type: ignore[arg-type]
                    sent[i].append(message)
                    await asyncio.sleep(0.002)

            # Each interview starts (the flow asks its first question), then all stream at once.
            await asyncio.gather(*(stream(i, [State(action="start")]) for i in range(CANDIDATES)))
            await eventually(lambda: all(phases(c)[-1:] == ["asking"] for c in candidates), "first questions")
            await asyncio.gather(*(stream(i, scripts[i][:before_kill - IN_FLIGHT])
                                   for i in range(CANDIDATES)))
            # The last frames back to back, and the kill at once: they are in flight on every
            # stream (an ack 2 ms later could otherwise cover a stream's last frame).
            for i, candidate in enumerate(candidates):
                for message in scripts[i][before_kill - IN_FLIGHT:before_kill]:
                    await candidate.send(message)  # type: ignore[arg-type]
                    sent[i].append(message)
            process.kill()
            await asyncio.to_thread(process.wait)
            assert process.returncode == -signal.SIGKILL
            for task in readers:
                assert await asyncio.wait_for(task, 10) == 1006
            assert any(c.outbox for c in candidates), "the kill must catch frames unacknowledged"
            unacked_at_kill = [len(c.outbox) for c in candidates]
            for peer in candidates + sum(observers, []):
                peer.ws = None
            for i, candidate in enumerate(candidates):  # the tabs keep queueing meanwhile
                for message in scripts[i][before_kill:before_kill + offline]:
                    candidate.enqueue(message)  # type: ignore[arg-type]
                    sent[i].append(message)

            url2, _ = await start_server(second_life, env, tmp_path / "second.log")
            for owner, interview, candidate, watchers in zip(owners, interviews, candidates, observers):
                again = client(cleanup, owner.at(url2))
                welcome = await candidate.connect(await again.ws_url(interview, "candidate"))
                assert welcome.acked >= candidate.acked  # nothing acknowledged was lost
                reader(cleanup, candidate)
                for watcher, instructor in zip(watchers, instructors):
                    await watcher.connect(await client(cleanup, instructor.at(url2)).ws_url(interview, "observer"))
                    reader(cleanup, watcher)
            await asyncio.gather(*(stream(i, scripts[i][before_kill + offline:]) for i in range(CANDIDATES)))
            await eventually(lambda: all(c.acked == len(s) for c, s in zip(candidates, sent)),
                             "every frame acknowledged", timeout=60)

            for owner, interview, candidate, watchers, messages in zip(
                owners, interviews, candidates, observers, sent
            ):
                log = await client(cleanup, owner.at(url2)).events(interview)
                assert [e["seq"] for e in log] == list(range(1, len(log) + 1))
                frames = [e for e in log if "src_seq" in e["d"]]
                assert [e["d"]["src_seq"] for e in frames] == list(range(1, len(messages) + 1))
                assert [decoded(e) for e in frames] == messages
                assert candidate.outbox == {} and candidate.errors == []
                for watcher in watchers:
                    await eventually(lambda: watcher.last_seq == log[-1]["seq"], "an observer at the head")
                    assert watcher.gaps == [], tail(tmp_path / "second.log")
                    assert [(e.seq, e.message.TYPE) for e in watcher.events] == [(e["seq"], e["t"]) for e in log]
                    # ... and every event is the stored one, field for field.
                    assert [e.message for e in watcher.events] == [
                        decode_server_frame(msgpack.packb(e)).message for e in log
                    ]
            print(f"\nkill -9: {CANDIDATES} candidates x {OBSERVERS_EACH} observers, "
                  f"{sum(map(len, sent))} frames, {unacked_at_kill} unacknowledged at the kill; "
                  "every frame stored once, every observer equal to the log")
