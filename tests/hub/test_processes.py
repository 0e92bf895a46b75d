"""Real server processes: a crash mid-stream, two processes on one database, a graceful stop.

Every test here runs its own ``serve`` processes (same database and secret key, so a
login cookie works on all of them) and talks to them through the protocol and the HTTP
API. Where a test needs the database to be slow at one exact point, it holds a lock from
a connection of its own.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
import uuid
from contextlib import AsyncExitStack, ExitStack
from pathlib import Path
from typing import Any, Callable

import asyncpg
import msgpack
from websockets.exceptions import ConnectionClosed

from db.embedded import libpq_dsn
from protocol import Analysis, Audio, Phase, State, Transcript, decode_server_frame
from server.flow import InterviewState, LogEntry, replay
from tests.hub.conftest import server_env
from tests.hub.peer import Api, Peer
from tests.hub.test_delivery import mixed_frames
from tests.live_server import live_server

RELAYED = ("state", "transcript", "face", "audio")


async def start_server(
    stack: ExitStack, env: dict[str, str], log: Path
) -> tuple[str, subprocess.Popen[bytes]]:
    """Start a server process off the event loop; it is stopped when ``stack`` closes."""
    return await asyncio.to_thread(stack.enter_context, live_server(env, log=log))


def client(cleanup: AsyncExitStack, api: Api) -> Api:
    cleanup.push_async_callback(api.close)
    return api


def member(cleanup: AsyncExitStack, peer: Peer) -> Peer:
    cleanup.push_async_callback(peer.close)
    return peer


def reader(cleanup: AsyncExitStack, peer: Peer) -> asyncio.Task[int]:
    """Read ``peer``'s socket concurrently; the task ends with the close code."""
    task = asyncio.create_task(read_until_closed(peer))
    cleanup.callback(task.cancel)
    return task


async def read_until_closed(peer: Peer) -> int:
    """Apply everything the server sends until it closes the socket; the close code."""
    assert peer.ws is not None
    try:
        while True:
            await peer.receive(timeout=60)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd is not None else 1006


async def eventually(predicate: Callable[[], bool], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def lock_waited_on(db: asyncpg.Connection, table: str, timeout: float = 10) -> None:
    """Until some session waits for a lock on ``table`` (a server is blocked there)."""
    deadline = time.monotonic() + timeout
    while not await db.fetchval(
        "SELECT count(*) FROM pg_locks WHERE relation = $1::regclass AND NOT granted", table
    ):
        assert time.monotonic() < deadline, f"nothing ever waited on {table}"
        await asyncio.sleep(0.01)


def phases(peer: Peer) -> list[str]:
    return [str(e.message.phase) for e in peer.events if isinstance(e.message, Phase)]


def relayed_frames(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in log if e["t"] in RELAYED and "src_seq" in e["d"]]


def decoded(event: dict[str, Any]) -> Any:
    """A document of the events API read back as the protocol message the candidate sent."""
    return decode_server_frame(msgpack.packb(event)).message.message  # type: ignore[union-attr]


def replayed(log: list[dict[str, Any]]) -> InterviewState:
    return replay(
        LogEntry(e["seq"], e["t"], e["ts"], {k: v for k, v in e["d"].items() if k != "src_seq"},
                 e["d"].get("src_seq"))
        for e in log
    )


def tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


async def test_a_crash_mid_stream_loses_and_doubles_nothing(database_url: str, tmp_path: Path) -> None:
    env = server_env(database_url, tmp_path)
    frames = mixed_frames(600, seed=21)
    stall_at, kill_at, offline = 242, 300, 40
    with ExitStack() as first_life, ExitStack() as second_life:
        url, process = await start_server(first_life, env, tmp_path / "first.log")
        async with AsyncExitStack() as cleanup:
            api, instructor = client(cleanup, Api(url)), client(cleanup, Api(url))
            await api.sign_up()
            await instructor.sign_up("instructor")
            interview = await api.interview()
            await api.grant(interview, instructor.user["username"])
            observer = member(cleanup, Peer(await instructor.ws_url(interview, "observer"), "observer"))
            await observer.connect()
            candidate = member(cleanup, Peer(await api.ws_url(interview, "candidate"), "candidate"))
            await candidate.connect()
            watching, acks = reader(cleanup, observer), reader(cleanup, candidate)

            for frame in frames[:stall_at]:
                await asyncio.sleep(0.003)
                await candidate.send(frame)  # type: ignore[arg-type]
            await eventually(lambda: candidate.acked == stall_at, "the frames so far acked")
            # Then the database stalls: first the indexing of the next audio chunk, which is
            # committed to the log and acknowledged while its bytes wait in the recording
            # file, past the recording's committed size; then the log itself, so the batch
            # after it waits uncommitted, and so does everything queued behind it.
            first_audio = next(i for i in range(stall_at, kill_at) if isinstance(frames[i], Audio))
            stall = await asyncpg.connect(libpq_dsn(database_url))
            cleanup.push_async_callback(stall.close)
            # The recording writer's round that stalls must be the one holding that chunk:
            # the audio sent so far is indexed first.
            audio_so_far = sum(isinstance(f, Audio) for f in frames[:stall_at])
            deadline = time.monotonic() + 20
            while await stall.fetchval(
                "SELECT count(*) FROM recording_chunks c JOIN recordings r"
                " ON r.id = c.recording_id WHERE r.interview_id = $1::uuid", interview
            ) < audio_so_far:
                assert time.monotonic() < deadline, "the audio so far was never indexed"
                await asyncio.sleep(0.01)
            stalled = stall.transaction()
            await stalled.start()
            await stall.execute("LOCK TABLE recording_chunks IN SHARE MODE")
            for frame in frames[stall_at:first_audio + 1]:
                await asyncio.sleep(0.003)
                await candidate.send(frame)  # type: ignore[arg-type]
            await lock_waited_on(stall, "recording_chunks")
            await eventually(lambda: candidate.acked == first_audio + 1, "the audio chunk acked")
            await stall.execute("LOCK TABLE events IN SHARE MODE")
            stuck = first_audio + 2
            assert stuck > stall_at + 1  # some frames are still committed (and acked) before it
            for frame in frames[first_audio + 1:kill_at]:
                await asyncio.sleep(0.003)
                await candidate.send(frame)  # type: ignore[arg-type]
            await lock_waited_on(stall, "events")
            unacked_at_kill = sorted(candidate.outbox)
            acked_at_kill = candidate.acked
            process.kill()
            await asyncio.to_thread(process.wait)
            await stalled.rollback()
            assert process.returncode == -signal.SIGKILL
            assert unacked_at_kill, "the kill must catch frames unacknowledged"
            assert unacked_at_kill == list(range(acked_at_kill + 1, kill_at + 1))
            assert stall_at <= acked_at_kill < stuck  # acknowledged only once committed
            indexed_audio = sum(len(f.data) for f in frames[:first_audio] if isinstance(f, Audio))
            on_disk = sum(f.stat().st_size for f in (tmp_path / "recordings").rglob("*") if f.is_file())
            assert on_disk > indexed_audio  # the crash left unindexed audio bytes behind
            assert await asyncio.wait_for(acks, 10) == 1006
            assert await asyncio.wait_for(watching, 10) == 1006
            candidate.ws = observer.ws = None
            seen_before_kill = observer.last_seq
            assert seen_before_kill > 0

            # The tab keeps queueing while the server is away.
            for frame in frames[kill_at:kill_at + offline]:
                candidate.enqueue(frame)  # type: ignore[arg-type]

            url2, _ = await start_server(second_life, env, tmp_path / "second.log")
            api2, instructor2 = client(cleanup, api.at(url2)), client(cleanup, instructor.at(url2))
            welcome = await candidate.connect(await api2.ws_url(interview, "candidate"))
            # Durable: at least what was acked. The stalled batch is one statement the
            # database got before the kill: once the lock went, it may have committed it.
            assert acked_at_kill <= welcome.acked < kill_at
            observed = await observer.connect(await instructor2.ws_url(interview, "observer"))
            assert observed.head >= seen_before_kill
            watching, acks = reader(cleanup, observer), reader(cleanup, candidate)
            for frame in frames[kill_at + offline:]:
                await asyncio.sleep(0.003)
                await candidate.send(frame)  # type: ignore[arg-type]
            await eventually(lambda: candidate.acked == len(frames), "every frame acknowledged")
            assert candidate.outbox == {} and candidate.errors == []

            log = await api2.events(interview)
            assert [e["seq"] for e in log] == list(range(1, len(log) + 1))
            stored = relayed_frames(log)
            assert [e["d"]["src_seq"] for e in stored] == list(range(1, len(frames) + 1))
            assert [decoded(e) for e in stored] == frames
            assert len(log) == len(frames)  # nothing else was logged: no flow was started

            # The observer resumed from its last_seq and ends with exactly the log.
            await eventually(lambda: observer.last_seq == log[-1]["seq"], "the observer at the head")
            assert [e.seq for e in observer.events] == [e["seq"] for e in log]
            assert [e.message.TYPE for e in observer.events] == [e["t"] for e in log]
            assert [e.message.message for e in observer.events] == frames  # type: ignore[attr-defined]
            assert observer.gaps == []

            # The recording holds every audio chunk once, in order: the bytes the crash left
            # past the committed size were overwritten. The file follows the log shortly.
            audio = b"".join(f.data for f in frames if isinstance(f, Audio))
            for _ in range(500):
                response = await api2.http.get(f"/api/interviews/{interview}/recording")
                assert response.status_code == 200, response.text
                if len(response.content) >= len(audio):
                    break
                await asyncio.sleep(0.02)
            assert response.content == audio


async def test_two_processes_share_one_interview(database_url: str, tmp_path: Path) -> None:
    env = server_env(database_url, tmp_path)
    frames = mixed_frames(400, seed=33)
    with ExitStack() as servers:
        (url_a, _), (url_b, _) = await asyncio.gather(
            start_server(servers, env, tmp_path / "a.log"),
            start_server(servers, env, tmp_path / "b.log"),
        )
        async with AsyncExitStack() as cleanup:
            api = client(cleanup, Api(url_a))
            await api.sign_up()
            instructor = client(cleanup, Api(url_b))  # signs up and logs in on B only
            await instructor.sign_up("instructor")
            interview = await api.interview(questions=2)
            await api.grant(interview, instructor.user["username"])

            observer = member(cleanup, Peer(await instructor.ws_url(interview, "observer"), "observer"))
            assert (await observer.connect()).head == 0  # everything it gets is live
            watching = reader(cleanup, observer)
            first = member(cleanup, Peer(await api.ws_url(interview, "candidate"), "candidate"))
            await first.connect()
            first_reader = reader(cleanup, first)
            sent: list[Any] = []

            async def stream(peer: Peer, messages: list[Any]) -> None:
                for message in messages:
                    await peer.send(message)
                    sent.append(message)
                    await asyncio.sleep(0.002)

            await stream(first, frames[:100])
            await eventually(lambda: first.acked == 100, "the first 100 frames acked on A")
            # B relays A's frames while the candidate is still streaming.
            await eventually(lambda: observer.last_seq >= 100, "the observer on B live at 100")

            await stream(first, [State(action="start")])
            await eventually(lambda: phases(first)[-1:] == ["asking"], "the first question (flow on A)")
            await stream(first, [State(action="answer_start"), *frames[100:200]])
            await eventually(lambda: phases(first)[-1:] == ["answering"], "answering (flow on A)")
            candidate_b = client(cleanup, api.at(url_b))  # A's login cookie, used on B
            second = member(cleanup, Peer(
                await candidate_b.ws_url(interview, "candidate"), "candidate", stream=first.stream
            ))
            for frame in frames[200:260]:  # a burst, then at once:
                await first.send(frame)
                sent.append(frame)
            # the same tab reconnects through process B while frames are still in flight on A.
            second.outbox, second.next_seq, second.acked = dict(first.outbox), first.next_seq, first.acked
            assert second.outbox, "the takeover must happen with frames unacknowledged"
            welcome = await second.connect()
            assert second.acked <= welcome.acked <= len(sent)  # at least what A had acked before
            assert await asyncio.wait_for(first_reader, 10) == 4009, tail(tmp_path / "a.log")
            second_reader = reader(cleanup, second)

            await stream(second, [*frames[260:], State(action="answer_end")])
            await eventually(lambda: second.acked == len(sent), "every frame acked on B")
            # The flow now runs on B: it analyses the answer and moves on.
            await eventually(
                lambda: any(isinstance(e.message, Analysis) for e in second.events)
                and phases(second)[-1:] in (["asking"], ["finished"]),
                "the analysis and the next question (flow on B)",
            )
            assert first.errors == [] and second.errors == []

            log = await api.events(interview)
            assert log == await instructor.events(interview)  # both processes read the same log
            assert [e["seq"] for e in log] == list(range(1, len(log) + 1))
            stored = relayed_frames(log)
            assert [e["d"]["src_seq"] for e in stored] == list(range(1, len(sent) + 1))
            assert [decoded(e) for e in stored] == sent
            # The flow's events, each once, although it moved from A to B mid-interview.
            assert [(e["t"], e["d"].get("phase")) for e in log if e["t"] not in RELAYED] == [
                ("question", None), ("phase", "asking"), ("phase", "answering"), ("phase", "reviewing"),
                ("analysis", None), ("question", None), ("phase", "asking"),
            ]
            # ... and the answer it stored is the one the log holds.
            state = replayed(log)
            document = (await instructor.http.get(f"/api/interviews/{interview}")).json()
            assert [(a["qid"], a["transcript"]) for a in document["answers"]] == [
                (a.qid, a.transcript) for a in state.answers
            ]

            # The observer on B saw every event live, in order: exactly the log.
            await eventually(lambda: observer.last_seq == log[-1]["seq"], "the observer on B at the head")
            assert observer.gaps == []
            assert [e.seq for e in observer.events] == [e["seq"] for e in log]
            assert [e.message.TYPE for e in observer.events] == [e["t"] for e in log]
            relayed = [e.message.message for e in observer.events if e.message.TYPE in RELAYED]
            assert relayed == sent  # type: ignore[attr-defined]
            for peer in (observer, second):
                await peer.close()
            for task in (watching, second_reader):
                assert await asyncio.wait_for(task, 10) == 1000


async def test_a_flow_moving_to_another_process_misses_no_event(database_url: str, tmp_path: Path) -> None:
    """The candidate moves to B while A is still committing its frames: the flow B starts
    must see those frames too, whenever they land during its start."""
    env = server_env(database_url, tmp_path)
    with ExitStack() as servers:
        (url_a, _), (url_b, _) = await asyncio.gather(
            start_server(servers, env, tmp_path / "a.log"),
            start_server(servers, env, tmp_path / "b.log"),
        )
        async with AsyncExitStack() as cleanup:
            api = client(cleanup, Api(url_a))
            await api.sign_up()
            instructor = client(cleanup, Api(url_b))
            await instructor.sign_up("instructor")
            interview = await api.interview(questions=2)
            await api.grant(interview, instructor.user["username"])
            observer = member(cleanup, Peer(await instructor.ws_url(interview, "observer"), "observer"))
            await observer.connect()
            reader(cleanup, observer)
            first = member(cleanup, Peer(await api.ws_url(interview, "candidate"), "candidate"))
            await first.connect()
            first_reader = reader(cleanup, first)
            await first.send(State(action="start"))
            await eventually(lambda: phases(first)[-1:] == ["asking"], "the first question")
            await first.send(State(action="answer_start"))
            await first.send(Transcript(seg=0, text="alpha beta", final=True, src="speech"))
            await eventually(lambda: phases(first)[-1:] == ["answering"] and first.acked == 3, "answering")
            second = member(cleanup, Peer(
                await client(cleanup, api.at(url_b)).ws_url(interview, "candidate"), "candidate",
                stream=first.stream,
            ))

            # A's commits wait (the interview's row is locked), and so does B's flow while it
            # reads the questions asked so far.
            row_db = await asyncpg.connect(libpq_dsn(database_url))
            questions_db = await asyncpg.connect(libpq_dsn(database_url))
            cleanup.push_async_callback(row_db.close)
            cleanup.push_async_callback(questions_db.close)
            row, questions = row_db.transaction(), questions_db.transaction()
            await row.start()
            await row_db.execute("SELECT 1 FROM interviews WHERE id = $1 FOR UPDATE", uuid.UUID(interview))
            await questions.start()
            await questions_db.execute("LOCK TABLE questions IN ACCESS EXCLUSIVE MODE")
            await first.send(Transcript(seg=1, text="gamma delta", final=True, src="speech"))
            await first.send(Transcript(seg=2, text="epsilon", final=True, src="speech"))
            second.outbox, second.next_seq, second.acked = dict(first.outbox), first.next_seq, first.acked
            joining = asyncio.create_task(second.connect())
            cleanup.callback(joining.cancel)
            await lock_waited_on(row_db, "questions")
            head = observer.last_seq
            await row.rollback()  # A commits the two frames; B's room relays them
            await eventually(lambda: observer.last_seq == head + 2, "B relaying A's last frames")
            assert not joining.done()
            await questions.rollback()  # B's flow starts
            await asyncio.wait_for(joining, 10)
            assert await asyncio.wait_for(first_reader, 10) == 4009
            reader(cleanup, second)

            await second.send(State(action="answer_end"))
            await eventually(lambda: any(isinstance(e.message, Analysis) for e in second.events),
                             "the analysis (flow on B)")
            log = await api.events(interview)
            assert [e["d"]["text"] for e in log if e["t"] == "transcript"] == [
                "alpha beta", "gamma delta", "epsilon"
            ]
            state = replayed(log)
            assert [a.transcript for a in state.answers] == ["alpha beta gamma delta epsilon"]
            document = (await api.http.get(f"/api/interviews/{interview}")).json()
            assert [a["transcript"] for a in document["answers"]] == [
                a.transcript for a in state.answers
            ], "the flow on B stored an answer that is not the log's\n" + tail(tmp_path / "b.log")


async def test_sigterm_closes_sockets_with_1001_and_exits_0(database_url: str, tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    with ExitStack() as stack:
        url, process = await start_server(stack, server_env(database_url, tmp_path), log)
        async with AsyncExitStack() as cleanup:
            api = client(cleanup, Api(url))
            await api.sign_up()
            interview = await api.interview()
            candidate = member(cleanup, Peer(await api.ws_url(interview, "candidate"), "candidate"))
            await candidate.connect()
            await candidate.send(State(action="start"))
            await candidate.until(lambda p: p.acked == 1)
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            try:
                code: int | None = await asyncio.wait_for(candidate.close_code(), 5)
            except TimeoutError:
                code = None
            closed_after = time.monotonic() - started
            try:
                returncode: int | None = await asyncio.to_thread(process.wait, 5)
            except subprocess.TimeoutExpired:
                returncode = None
            exited_after = time.monotonic() - started
            assert code == 1001, f"closed with {code} after {closed_after:.1f} s\n{tail(log)}"
            assert returncode == 0, f"exit {returncode} after {exited_after:.1f} s\n{tail(log)}"
