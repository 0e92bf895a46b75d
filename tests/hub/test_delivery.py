"""The event log's promises: exactly once, in order, acknowledged after commit, resumable."""

from __future__ import annotations

import asyncio
import random

import msgpack

from protocol import Audio, Face, FaceFrame, Transcript
from tests.hub.peer import Api, Peer, watched_interview


def mixed_frames(count: int, seed: int = 7) -> list[object]:
    rng = random.Random(seed)
    frames: list[object] = []
    chunk = 0
    for i in range(count):
        roll = rng.random()
        if roll < 0.6:
            frames.append(Face(frames=tuple(
                FaceFrame(t=i * 66 + k, present=True, yaw=rng.uniform(-30, 30), eye_contact=rng.random())
                for k in range(5)
            )))
        elif roll < 0.85:
            frames.append(Transcript(seg=i, text=f"word {i} " * rng.randint(1, 8), final=rng.random() < 0.5, src="speech"))
        else:
            frames.append(Audio(chunk=chunk, mime="audio/webm;codecs=opus", data=rng.randbytes(rng.randint(200, 1500))))
            chunk += 1
    return frames


async def test_5000_mixed_frames_exactly_once_in_order(api: Api, instructor: Api) -> None:
    interview, observer, candidate = await watched_interview(api, instructor)
    frames = mixed_frames(5000)

    async def stream() -> None:
        # Like a browser's bounded outbox: at most 100 frames unacknowledged.
        for frame in frames:
            while len(candidate.outbox) >= 100:
                await asyncio.sleep(0.001)
            await candidate.send(frame)  # type: ignore[arg-type]

    acks = asyncio.create_task(candidate.until(lambda p: p.acked == 5000, timeout=120))
    watching = asyncio.create_task(observer.until(
        lambda p: sum(e.message.TYPE in ("face", "transcript", "audio") for e in p.events) >= 5000,
        timeout=120,
    ))
    await stream()
    await acks
    await watching
    assert observer.gaps == []

    relayed = [e for e in observer.events if e.message.TYPE in ("face", "transcript", "audio")]
    assert [e.message.src_seq for e in relayed] == list(range(1, 5001))  # type: ignore[attr-defined]
    assert [e.message.message for e in relayed] == frames  # type: ignore[attr-defined]
    stored = await api.events(interview)
    assert [e["seq"] for e in stored] == list(range(1, len(stored) + 1))
    assert [e["seq"] for e in stored] == [e.seq for e in observer.events]
    assert [e["d"]["src_seq"] for e in stored if "src_seq" in e["d"]] == list(range(1, 5001))
    for peer in (observer, candidate):
        await peer.close()


async def test_candidate_resumes_after_a_drop_with_nothing_lost_or_doubled(api: Api) -> None:
    await api.sign_up()
    interview = await api.interview()
    candidate = Peer(await api.ws_url(interview, "candidate"), "candidate")
    await candidate.connect()
    frames = mixed_frames(600, seed=3)
    for frame in frames[:400]:
        await candidate.send(frame)  # type: ignore[arg-type]
    # Drop the connection abruptly with frames still unacknowledged.
    assert candidate.ws is not None
    candidate.ws.transport.abort()
    candidate.ws = None
    assert candidate.outbox, "expected unacknowledged frames in flight"
    welcome = await candidate.connect(await api.ws_url(interview, "candidate"))
    assert 0 < welcome.acked <= 400
    for frame in frames[400:]:
        await candidate.send(frame)  # type: ignore[arg-type]
    await candidate.until(lambda p: p.acked == 600, timeout=60)
    await candidate.close()
    stored = [e for e in await api.events(interview) if "src_seq" in e["d"]]
    assert [e["d"]["src_seq"] for e in stored] == list(range(1, 601))


async def test_observer_resumes_from_last_seq(api: Api, instructor: Api) -> None:
    await api.sign_up()
    interview = await api.interview()
    await api.grant(interview, instructor.user["username"])
    candidate = Peer(await api.ws_url(interview, "candidate"), "candidate")
    await candidate.connect()
    observer = Peer(await instructor.ws_url(interview, "observer"), "observer")
    await observer.connect()
    frames = mixed_frames(300, seed=5)
    for frame in frames[:100]:
        await candidate.send(frame)  # type: ignore[arg-type]
    await observer.until(lambda p: p.last_seq >= 50)
    await observer.close()
    for frame in frames[100:]:
        await candidate.send(frame)  # type: ignore[arg-type]
    await candidate.until(lambda p: p.acked == 300)
    resumed_from = observer.last_seq
    welcome = await observer.connect(await instructor.ws_url(interview, "observer"))
    await observer.until(lambda p: p.last_seq == welcome.head)
    seqs = [e.seq for e in observer.events]
    assert seqs == list(range(1, welcome.head + 1)) and resumed_from < welcome.head
    for peer in (observer, candidate):
        await peer.close()


async def test_a_late_observer_catches_up_then_goes_live(api: Api, instructor: Api) -> None:
    await api.sign_up()
    interview = await api.interview()
    await api.grant(interview, instructor.user["username"])
    candidate = Peer(await api.ws_url(interview, "candidate"), "candidate")
    await candidate.connect()
    frames = mixed_frames(400, seed=11)
    for frame in frames[:200]:
        await candidate.send(frame)  # type: ignore[arg-type]
    await candidate.until(lambda p: p.acked == 200)
    observer = Peer(await instructor.ws_url(interview, "observer"), "observer")
    await observer.connect()
    watching = asyncio.create_task(
        observer.until(lambda p: sum("src_seq" in e.message.to_payload() for e in p.events) == 400)
    )
    for frame in frames[200:]:
        await candidate.send(frame)  # type: ignore[arg-type]
    await candidate.until(lambda p: p.acked == 400)
    await watching
    assert observer.gaps == []
    assert [e.seq for e in observer.events] == list(range(1, observer.last_seq + 1))
    for peer in (observer, candidate):
        await peer.close()


async def test_a_refused_frame_uses_up_its_seq_durably(api: Api) -> None:
    await api.sign_up()
    interview = await api.interview()
    candidate = Peer(await api.ws_url(interview, "candidate"), "candidate")
    await candidate.connect()
    await candidate.send(Transcript(seg=0, text="fine", final=True, src="typed"))
    assert candidate.ws is not None
    # Too long for a transcript: refused with bad_payload and not stored.
    refused = Transcript(seg=1, text="x" * 4001, final=True, src="typed")  # type: ignore[call-arg]
    await candidate.ws.send(msgpack.packb({"t": "transcript", "seq": 2, "d": refused.to_payload()}))
    candidate.next_seq = 3
    await candidate.until(lambda p: p.errors and p.acked == 2)
    assert str(candidate.errors[0].code) == "bad_payload" and candidate.errors[0].ref == 2
    await candidate.close()
    # A client that dropped the refused frame resumes without a gap.
    welcome = await candidate.connect(await api.ws_url(interview, "candidate"))
    assert welcome.acked == 2
    await candidate.send(Transcript(seg=1, text="after the refusal", final=True, src="typed"))
    await candidate.until(lambda p: p.acked == 3)
    assert len(candidate.errors) == 1
    await candidate.close()
    stored = [e["d"]["src_seq"] for e in await api.events(interview) if e["t"] == "transcript"]
    assert stored == [1, 3]
