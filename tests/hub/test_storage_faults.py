"""The recordings folder fails under a live interview (gone, or the disk full): the audio
error is reported, the interview goes on, and nothing is lost, the audio included.

Tests run as root, for whom file permissions are no obstacle, so the faults are made in
ways that stop root too: the folder is replaced by a file, or the server process gets a
file-size limit (``RLIMIT_FSIZE``: a write past it fails with EFBIG, as one fails with
ENOSPC on a full disk; Python ignores the SIGXFSZ that would otherwise kill it).
"""

from __future__ import annotations

import asyncio
import resource
import shutil
import time
from contextlib import AsyncExitStack, ExitStack
from pathlib import Path

from protocol import Analysis, Audio, ErrorCode, State, Transcript
from server.hub.recordings import MAX_RETRY_AFTER_S
from tests.hub.conftest import server_env
from tests.hub.peer import Api, Peer
from tests.hub.test_delivery import mixed_frames
from tests.hub.test_processes import client, decoded, eventually, member, phases, reader, tail
from tests.live_server import live_server


async def start_answering(candidate: Peer, sent: list[object]) -> None:
    for action, phase in (("start", "asking"), ("answer_start", "answering")):
        await send(candidate, sent, [State(action=action)])
        await eventually(lambda: phases(candidate)[-1:] == [phase], phase)


async def send(candidate: Peer, sent: list[object], messages: list[object]) -> None:
    for message in messages:
        await candidate.send(message)  # type: ignore[arg-type]
        sent.append(message)
        await asyncio.sleep(0.002)


def audio_of(messages: list[object]) -> bytes:
    return b"".join(m.data for m in messages if isinstance(m, Audio))


async def recording(api: Api, interview: str) -> bytes:
    response = await api.http.get(f"/api/interviews/{interview}/recording")
    assert response.status_code == 200, response.text
    return response.content


async def recorded(api: Api, interview: str, size: int, timeout: float = 10) -> bytes:
    """The recording once it holds ``size`` bytes: the file follows the acknowledgement."""
    deadline = asyncio.get_running_loop().time() + timeout
    while len(content := await recording(api, interview)) < size:
        assert asyncio.get_running_loop().time() < deadline, len(content)
        await asyncio.sleep(0.02)
    return content


async def finish_answer(candidate: Peer, sent: list[object]) -> None:
    """The interview goes on: the answer ends and is analysed."""
    await send(candidate, sent, [Transcript(seg=10_000, text="I would measure it first.", final=True, src="typed"),
                                 State(action="answer_end")])
    await eventually(lambda: any(isinstance(e.message, Analysis) for e in candidate.events)
                     and phases(candidate)[-1:] in (["asking"], ["finished"]), "the answer analysed")


async def assert_logged_once(api: Api, interview: str, sent: list[object]) -> None:
    log = await api.events(interview)
    frames = [e for e in log if "src_seq" in e["d"]]
    assert [e["d"]["src_seq"] for e in frames] == list(range(1, len(sent) + 1))
    assert [decoded(e) for e in frames] == sent


async def test_a_recordings_folder_gone_mid_interview_loses_nothing(database_url: str, tmp_path: Path) -> None:
    frames = mixed_frames(300, seed=8)
    folder = tmp_path / "recordings"
    with live_server(server_env(database_url, tmp_path), log=tmp_path / "server.log") as (url, _):
        async with AsyncExitStack() as cleanup:
            api = client(cleanup, Api(url))
            await api.sign_up()
            interview = await api.interview(questions=2)
            candidate = member(cleanup, Peer(await api.ws_url(interview, "candidate"), "candidate"))
            await candidate.connect()
            reader(cleanup, candidate)
            sent: list[object] = []
            await start_answering(candidate, sent)
            await send(candidate, sent, frames[:150])
            await eventually(lambda: candidate.acked == len(sent), "the first frames acknowledged")
            assert await recorded(api, interview, len(audio_of(sent))) == audio_of(sent)

            # The folder goes; a file takes its place (what root cannot write through either).
            folder.rename(tmp_path / "recordings.away")
            folder.write_bytes(b"not a folder")
            await send(candidate, sent, frames[150:300])
            await eventually(lambda: candidate.acked == len(sent), "every frame still acknowledged")
            await eventually(lambda: candidate.errors != [], "the audio error reported")
            [error] = candidate.errors  # told once, not once per chunk
            assert error.code == ErrorCode.UNAVAILABLE and error.ref is None and not error.fatal
            assert "recording" in error.message, error.message
            await finish_answer(candidate, sent)
            assert "could not be written" in (tmp_path / "server.log").read_text()  # and logged

            # The folder is back: once the stream's retry is due, the recording catches up
            # from the log, and the chunks still coming are appended after it. The retry's
            # back-off grew while the folder was gone: chunks keep coming until it is due.
            folder.unlink()
            (tmp_path / "recordings.away").rename(folder)
            chunk = max(m.chunk for m in sent if isinstance(m, Audio)) + 1
            deadline = time.monotonic() + 2 * MAX_RETRY_AFTER_S
            while len(await recording(api, interview)) < len(audio_of(sent)):
                assert time.monotonic() < deadline, tail(tmp_path / "server.log")
                await send(candidate, sent, [Audio(chunk=chunk, mime="audio/webm;codecs=opus",
                                                   data=bytes([chunk % 256]) * 600)])
                chunk += 1
                await eventually(lambda: candidate.acked == len(sent), "the new chunk acknowledged")
                await asyncio.sleep(0.2)
            assert await recording(api, interview) == audio_of(sent), tail(tmp_path / "server.log")
            await assert_logged_once(api, interview, sent)
            assert len(candidate.errors) == 1


def limit_file_size(limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


async def test_a_full_disk_stops_the_recording_not_the_interview(database_url: str, tmp_path: Path) -> None:
    limit = 24 * 1024
    frames = mixed_frames(600, seed=9)
    assert len(audio_of(frames)) > 2 * limit
    env = server_env(database_url, tmp_path)
    with ExitStack() as stack:
        url, _ = stack.enter_context(live_server(
            env, log=tmp_path / "server.log", preexec=lambda: limit_file_size(limit)))
        async with AsyncExitStack() as cleanup:
            api = client(cleanup, Api(url))
            await api.sign_up()
            interview = await api.interview(questions=2)
            candidate = member(cleanup, Peer(await api.ws_url(interview, "candidate"), "candidate"))
            await candidate.connect()
            reader(cleanup, candidate)
            sent: list[object] = []
            await start_answering(candidate, sent)
            await send(candidate, sent, frames)
            await eventually(lambda: candidate.acked == len(sent), "every frame acknowledged")
            await eventually(lambda: candidate.errors != [], "the audio error reported")
            [error] = candidate.errors
            assert error.code == ErrorCode.UNAVAILABLE and not error.fatal
            assert "too large" in error.message.lower(), error.message  # EFBIG's text
            await finish_answer(candidate, sent)

            # The recording holds a whole-chunk prefix that fits; the log holds everything.
            kept = await recording(api, interview)
            assert 0 < len(kept) <= limit
            assert audio_of(sent).startswith(kept)
            chunks = [m.data for m in sent if isinstance(m, Audio)]
            assert len(kept) in {sum(len(c) for c in chunks[:n]) for n in range(len(chunks) + 1)}
            await assert_logged_once(api, interview, sent)
    shutil.rmtree(tmp_path / "recordings", ignore_errors=True)
