"""The replay in Chromium: an interview recorded through the protocol (a candidate client
with transcripts, audio chunks and an analysis) is played back from its event log."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from playwright.async_api import expect

from protocol import Audio, State, Transcript
from tests.browser.test_observe import log_in
from tests.hub.peer import Api, Peer

FIRST = "I would start by listening to both sides."
SECOND = "Then we agree on priorities together."
MIME = "audio/webm;codecs=opus"


async def wait_for_event(
    api: Api, interview_id: str, kind: str, count: int = 1, timeout: float = 15
) -> list[dict[str, Any]]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        log = await api.events(interview_id)
        if sum(event["t"] == kind for event in log) >= count:
            return log
        assert asyncio.get_running_loop().time() < deadline, f"no {kind} event"
        await asyncio.sleep(0.1)


async def record_interview(candidate: Api, interview_id: str) -> list[dict[str, Any]]:
    peer = Peer(await candidate.ws_url(interview_id, "candidate"), "candidate")
    await peer.connect()
    try:
        await peer.send(State(action="start"))
        await wait_for_event(candidate, interview_id, "question")
        await peer.send(State(action="answer_start"))
        await peer.send(Audio(chunk=0, mime=MIME, data=b"\x1aE\xdf\xa3" + bytes(400)))
        await peer.send(Transcript(seg=0, text=FIRST, final=True, src="speech"))
        await asyncio.sleep(0.4)
        await peer.send(Audio(chunk=1, mime=MIME, data=bytes(400)))
        await peer.send(Transcript(seg=1, text=SECOND, final=True, src="speech"))
        await asyncio.sleep(0.4)
        await peer.send(Audio(chunk=2, mime=MIME, data=bytes(400)))
        # A pause before the answer ends: at 4x the analysis comes a good while after the text.
        await asyncio.sleep(2.0)
        await peer.send(State(action="answer_end"))
        await wait_for_event(candidate, interview_id, "analysis")
        await wait_for_event(candidate, interview_id, "question", count=2)
    finally:
        peer.drop()
    await asyncio.sleep(0.3)
    return await candidate.events(interview_id)


async def test_an_interview_is_replayed_with_its_audio_clock(
    browser: Any, server_url: str, screenshots: Path
) -> None:
    candidate = Api(server_url)
    stranger = Api(server_url)
    contexts: list[Any] = []
    try:
        owner = await candidate.sign_up("candidate")
        outsider = await stranger.sign_up("instructor")
        interview_id = await candidate.interview(questions=2, kind="behavioral")
        log = await record_interview(candidate, interview_id)

        # Someone who may not see the interview gets a 404.
        context, page, errors = await log_in(browser, server_url, outsider["username"])
        contexts.append(context)
        response = await page.goto(f"/interviews/{interview_id}/replay")
        assert response is not None and response.status == 404

        context, page, errors = await log_in(browser, server_url, owner["username"])
        contexts.append(context)
        await page.goto(f"/interviews/{interview_id}")
        await page.get_by_test_id("replay-link").click()
        await page.wait_for_url(f"**/interviews/{interview_id}/replay")
        root = page.get_by_test_id("replay")
        await expect(root).to_have_attribute("data-complete", "true")
        await expect(root).to_have_attribute("data-loaded", str(len(log)))
        question_markers = page.locator("[data-testid=marker][data-kind=question]")
        await expect(question_markers.first).to_be_visible()
        await expect(page.locator("[data-testid=marker][data-kind=analysis]")).to_have_count(1)

        # The clock: idle gaps over 5 s are shown as 1 s, and event time maps to audio time.
        clock = await page.evaluate(
            """async () => {
                const { Timeline, audioTimeFor, serverTimeForAudio } = await import("/static/js/replay.js");
                const line = new Timeline();
                for (const ts of [1000, 2000, 10000, 10500]) line.push(ts);
                return {
                    at: line.at, duration: line.duration, inGap: line.toServer(1500),
                    back: line.toReplay(6000), after: line.countUpTo(2000),
                    audio: audioTimeFor(12500, 10000), server: serverTimeForAudio(2.5, 10000),
                };
            }"""
        )
        assert clock == {
            "at": [0, 1000, 2000, 2500], "duration": 2500, "inGap": 6000,
            "back": 1500, "after": 3, "audio": 2.5, "server": 12500,
        }
        document = await (await page.request.get(f"/api/interviews/{interview_id}")).json()
        recording = document["recordings"][0]
        audio = page.get_by_test_id("replay-audio")
        assert await audio.get_attribute("src") == recording["url"]

        # Play at 4x: the transcript comes first, the analysis after it.
        await page.get_by_test_id("replay-speed").select_option("4")
        await page.get_by_test_id("replay-play").click()
        transcript = page.get_by_test_id("transcript")
        analyses = page.get_by_test_id("analyses").locator("[data-testid=analysis]")
        await page.wait_for_function(
            "() => document.querySelectorAll('[data-testid=transcript] .seg-final').length > 0",
            polling="raf", timeout=10000,
        )
        assert await analyses.count() == 0
        await expect(transcript.locator(".seg-final")).to_have_text([FIRST, SECOND])
        await expect(analyses).to_have_count(1)
        await expect(root).to_have_attribute("data-state", "ended")
        await expect(page.get_by_test_id("word-count")).to_have_text("14")

        # Back to the first question through its marker: the answer is gone, then rebuilt.
        question = next(event for event in log if event["t"] == "question")
        await question_markers.first.click()
        await expect(transcript.locator(".seg-final")).to_have_count(0)
        await expect(analyses).to_have_count(0)
        await expect(page.get_by_test_id("question-text")).to_have_text(question["d"]["text"])
        # The audio follows the event clock: at the question, the recording's offset from it.
        target = float(await audio.get_attribute("data-target") or "nan")
        assert abs(target - (question["ts"] - recording["started_ts"]) / 1000) < 0.01
        await page.get_by_test_id("replay-play").click()
        await expect(transcript.locator(".seg-final")).to_have_text([FIRST, SECOND])
        await expect(analyses).to_have_count(1)
        await page.screenshot(path=str(screenshots / "replay.png"), full_page=True)
        assert errors == [], errors
    finally:
        for context in contexts:
            await context.close()
        await candidate.close()
        await stranger.close()
