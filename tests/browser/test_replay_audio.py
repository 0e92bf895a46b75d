"""The replay with a real recording: an interview whose audio chunks are WebM/Opus recorded
by Chromium's MediaRecorder (from the fake microphone), sent as the room sends them. The
replay plays it, seeks to a marker, changes speed, and the audio element's time follows the
timeline; seeking never refetches the loaded log, and `?at=` opens the replay at a moment."""

from __future__ import annotations

import asyncio
import base64
import re
from pathlib import Path
from typing import Any

from playwright.async_api import expect

from protocol import Audio, NoteRequest, State, Transcript
from tests.browser.media import missing
from tests.browser.test_observe import log_in
from tests.browser.test_replay import wait_for_event
from tests.hub.peer import Api, Peer

MIME = "audio/webm;codecs=opus"
CHUNK_MS = 500
RECORD_MS = 10_000
# How far the audio may be from where the events are (the player re-aligns past 0.35 s × speed,
# checked every 50 ms).
TOLERANCE_S = 0.8

RECORD = """
async ([ms, slice, mime]) => {
  if (typeof MediaRecorder !== "function" || !MediaRecorder.isTypeSupported(mime)) return null;
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  const recorder = new MediaRecorder(stream, { mimeType: mime });
  const chunks = [];
  recorder.ondataavailable = (event) => { if (event.data.size) chunks.push(event.data); };
  const stopped = new Promise((resolve) => (recorder.onstop = resolve));
  recorder.start(slice);
  await new Promise((resolve) => setTimeout(resolve, ms));
  recorder.stop();
  await stopped;
  stream.getTracks().forEach((track) => track.stop());
  const out = [];
  for (const chunk of chunks) {
    const bytes = new Uint8Array(await chunk.arrayBuffer());
    let text = "";
    for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...bytes.subarray(i, i + 8192));
    out.push(btoa(text));
  }
  return out;
}
"""

# The audio element and the player's idea of where it should be, read at the same moment.
AUDIO_STATE = """
() => {
  const audio = document.querySelector("[data-testid=replay-audio]");
  return { time: audio.currentTime, target: Number(audio.dataset.target), paused: audio.paused,
           rate: audio.playbackRate, ready: audio.readyState };
}
"""


async def record_webm(page: Any) -> list[bytes]:
    await page.goto("/")
    encoded = await page.evaluate(RECORD, [RECORD_MS, CHUNK_MS, MIME])
    if encoded is None:
        missing("this Chromium cannot record audio/webm;codecs=opus")
    chunks = [base64.b64decode(item) for item in encoded]
    assert chunks and chunks[0][:4] == b"\x1a\x45\xdf\xa3", "not a WebM stream"
    return chunks


async def record_interview(candidate: Api, teacher: Api, interview_id: str, chunks: list[bytes]) -> None:
    """The candidate answers while the chunks go out at the pace they were recorded; the
    instructor leaves a note in the middle of the answer (a marker inside the audio)."""
    peer = Peer(await candidate.ws_url(interview_id, "candidate"), "candidate")
    observer = Peer(await teacher.ws_url(interview_id, "observer"), "observer")
    await peer.connect()
    await observer.connect()
    try:
        await peer.send(State(action="start"))
        await wait_for_event(candidate, interview_id, "question")
        await peer.send(State(action="answer_start"))
        for i, data in enumerate(chunks):
            await peer.send(Audio(chunk=i, mime=MIME, data=data))
            if i == 2:
                await peer.send(Transcript(seg=0, text="I would first listen to both sides.", final=True, src="speech"))
            if i == len(chunks) // 5:
                await observer.send(NoteRequest(text="Good pace here.", to="observers"))
            await asyncio.sleep(CHUNK_MS / 1000)
        await peer.send(Transcript(seg=1, text="Then we agree on priorities.", final=True, src="speech"))
        await peer.send(State(action="answer_end"))
        await wait_for_event(candidate, interview_id, "analysis")
        await peer.send(State(action="finish"))
        await wait_for_event(candidate, interview_id, "report")
    finally:
        peer.drop()
        await observer.close()


async def audio_follows(page: Any, *, speed: float, samples: int = 3) -> list[dict[str, Any]]:
    """While playing, the audio runs at the replay's speed and stays near its target."""
    seen: list[dict[str, Any]] = []
    for _ in range(samples):
        await page.wait_for_timeout(300)
        state = await page.evaluate(AUDIO_STATE)
        seen.append(state)
        assert not state["paused"], state
        assert state["rate"] == speed, state
        assert abs(state["time"] - state["target"]) <= TOLERANCE_S, state
    assert seen[-1]["time"] > seen[0]["time"], seen
    return seen


async def test_the_recording_follows_the_replay(browser: Any, server_url: str, screenshots: Path) -> None:
    candidate = Api(server_url)
    teacher = Api(server_url)
    contexts: list[Any] = []
    try:
        owner = await candidate.sign_up("candidate")
        instructor = await teacher.sign_up("instructor")
        interview_id = await candidate.interview(questions=1, kind="behavioral")
        await candidate.grant(interview_id, instructor["username"])

        context, page, errors = await log_in(browser, server_url, owner["username"])
        contexts.append(context)
        chunks = await record_webm(page)
        await record_interview(candidate, teacher, interview_id, chunks)
        log = await candidate.events(interview_id)
        document = await (await page.request.get(f"/api/interviews/{interview_id}")).json()
        recording = document["recordings"][0]
        served = await page.request.get(recording["url"])
        assert await served.body() == b"".join(chunks)

        fetched: list[str] = []
        page.on("request", lambda request: fetched.append(request.url) if "/events" in request.url else None)
        await page.goto(f"/interviews/{interview_id}/replay")
        root = page.get_by_test_id("replay")
        await expect(root).to_have_attribute("data-complete", "true")
        await expect(root).to_have_attribute("data-loaded", str(len(log)))
        pages_loaded = len(fetched)
        await page.wait_for_function(
            "() => document.querySelector('[data-testid=replay-audio]').readyState >= 1"
        )

        # Play from a moment inside the answer: the audio plays along at 1x ...
        note = next(event for event in log if event["t"] == "note")
        await page.locator("[data-testid=marker][data-kind=note]").click()
        inside = (note["ts"] - recording["started_ts"]) / 1000
        state = await page.evaluate(AUDIO_STATE)
        assert abs(state["target"] - inside) < 0.01
        assert abs(state["time"] - inside) <= TOLERANCE_S, state
        await page.get_by_test_id("replay-play").click()
        await audio_follows(page, speed=1)
        # Pausing the replay pauses the recording.
        await page.get_by_test_id("replay-play").click()
        await expect(root).to_have_attribute("data-state", "paused")
        paused = await page.evaluate(AUDIO_STATE)
        assert paused["paused"] and paused["target"] > inside

        # Back to the note (a backward seek): the recording goes back with the events ...
        await page.locator("[data-testid=marker][data-kind=note]").click()
        state = await page.evaluate(AUDIO_STATE)
        assert abs(state["target"] - inside) < 0.01
        assert abs(state["time"] - inside) <= TOLERANCE_S, state

        # ... and plays at 2x once the speed changes (8 s of recording are left: room enough).
        await page.get_by_test_id("replay-speed").select_option("2")
        await page.get_by_test_id("replay-play").click()
        await audio_follows(page, speed=2)
        await expect(page.get_by_test_id("transcript").locator(".seg-final").first).to_have_text(
            "I would first listen to both sides."
        )
        await page.screenshot(path=str(screenshots / "replay-audio.png"), full_page=True)

        # Seeking never fetched the log again.
        assert len(fetched) == pages_loaded, fetched

        # A link to a moment (as the report's chart points make) opens the replay there.
        await page.goto(f"/interviews/{interview_id}/replay?at={note['ts']}")
        await expect(root).to_have_attribute("data-complete", "true")
        await expect(root).to_have_attribute("data-started-at", re.compile(r"^\d+$"))
        # Every event up to that moment is applied (the player's clock never runs backwards).
        clock, upto = 0, 0
        for event in log:
            clock = max(clock, event["ts"])
            upto += clock <= note["ts"]
        await expect(root).to_have_attribute("data-applied", str(upto))
        await expect(page.locator("[data-testid=note]")).to_have_count(1)
        state = await page.evaluate(AUDIO_STATE)
        assert abs(state["target"] - inside) < 0.01
        parsed = await page.evaluate(
            """async () => {
                const { startAtFrom } = await import("/static/js/replay.js");
                const nan = (search) => Number.isNaN(startAtFrom(search));
                return [startAtFrom("?at=1764316800000"), startAtFrom(""), startAtFrom("?at="),
                        nan("?at=soon"), nan("?at=-5"), nan("?at=1e3")];
            }"""
        )
        assert parsed == [1764316800000, None, None, True, True, True]
        # A link with a time that is not one says so and starts at the beginning.
        await page.goto(f"/interviews/{interview_id}/replay?at=yesterday")
        await expect(root).to_have_attribute("data-complete", "true")
        await expect(page.get_by_test_id("replay-alert")).to_contain_text("not a time")
        await expect(root).to_have_attribute("data-applied", "0")
        assert errors == [], errors
    finally:
        for context in contexts:
            await context.close()
        await candidate.close()
        await teacher.close()
