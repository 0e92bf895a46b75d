"""A whole interview in Chromium with a camera and a microphone: the fake camera shows a real
face, the fake microphone plays speech synthesised by espeak-ng, and a scripted recogniser
turns it into interim and final text (Web Speech gives no results offline). The stored
transcripts, face frames and the audio recording are then checked through the HTTP API."""

from __future__ import annotations

import array
import io
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgpack
import pytest
from playwright.async_api import expect

from tests.browser.media import browser_with_media, write_face_video, write_spoken_wav
from tests.browser.test_face import face_frames, more_frames
from tests.browser.test_room import (
    FAKE_SPEECH,
    FILLER_ANSWER,
    all_sent,
    sign_up,
    wait_for_turn,
)

SPOKEN = "I would measure first, then compare the options with the team, and decide together."
FIRST = "I would measure first, then compare the options with the team."

# One recognition session: interim text growing, a final, then a final full of fillers.
SPEECH_SCRIPT = [
    [
        {"at": 300, "index": 0, "text": "I would measure"},
        {"at": 700, "index": 0, "text": "I would measure first, then compare"},
        {"at": 2000, "index": 0, "text": FIRST, "final": True},
        {"at": 2400, "index": 1, "text": "Um, after that"},
        {"at": 2800, "index": 1, "text": FILLER_ANSWER, "final": True},
    ]
]


@pytest.fixture
async def media_page(
    browser: Any, server_url: str, tmp_path: Path
) -> AsyncIterator[Any]:
    """A page in a Chromium whose camera shows a face and whose microphone speaks."""
    wav = write_spoken_wav(SPOKEN, tmp_path / "answer.wav")
    video = await write_face_video(browser, tmp_path / "face.y4m")
    async with browser_with_media(server_url, video=video, audio=wav) as (
        context,
        errors,
    ):
        await context.add_init_script(
            f"window.__speechScripts = {json.dumps(SPEECH_SCRIPT)};"
        )
        await context.add_init_script(FAKE_SPEECH)
        page = await context.new_page()
        await page.set_viewport_size({"width": 1280, "height": 800})
        yield page
    assert errors == [], errors


async def api_get(page: Any, path: str, accept: str = "application/json") -> Any:
    response = await page.request.get(path, headers={"Accept": accept})
    assert response.status == 200, f"{path}: {response.status} {await response.text()}"
    return response


def decoded_audio(body: bytes) -> tuple[int, float, float]:
    """Decode every audio frame of a recording with PyAV: (frames, seconds, peak level)."""
    import av

    frames, seconds, peak = 0, 0.0, 0.0
    with av.open(io.BytesIO(body)) as container:
        assert container.streams.audio, "the recording has no audio stream"
        stream = container.streams.audio[0]
        for frame in container.decode(stream):
            frames += 1
            seconds += frame.samples / frame.sample_rate
            if frame.format.name == "fltp":  # Opus decodes to planar 32-bit floats
                samples = array.array("f", bytes(frame.planes[0]))[: frame.samples]
                peak = max(peak, max((abs(x) for x in samples), default=0.0))
    return frames, seconds, peak


async def test_a_whole_interview_with_camera_and_microphone(
    media_page: Any, screenshots: Path
) -> None:
    page = media_page
    await sign_up(page)

    # Set-up: a two-question interview from the home page's form.
    await page.goto("/")
    await page.select_option("#kind", "behavioral")
    await page.fill("#role_title", "Engineering manager")
    await page.fill("#questions", "2")
    await page.get_by_role("button", name="Create interview").click()
    await page.wait_for_url(re.compile(r"/interviews/[^/]+$"))
    interview_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    await page.screenshot(path=str(screenshots / "whole-setup.png"), full_page=True)

    # The room's lobby: camera and microphone pass the device check, the face is found.
    await page.get_by_test_id("enter-room").click()
    await page.wait_for_url(f"**/interviews/{interview_id}/room")
    await expect(page.get_by_test_id("connection")).to_have_attribute(
        "data-state", "live"
    )
    await expect(page.get_by_test_id("check-camera")).to_have_attribute(
        "data-kind", "ok"
    )
    await expect(page.get_by_test_id("check-mic")).to_have_attribute("data-kind", "ok")
    if await page.locator("#btn-mic-check").is_visible():
        await page.locator("#btn-mic-check").click()
    # The spoken WAV moves the microphone meter.
    await page.wait_for_function(
        "() => Number(document.getElementById('mic-meter').dataset.peak || 0) > 0"
    )
    await expect(page.get_by_test_id("check-speech")).not_to_have_attribute(
        "data-kind", "missing"
    )
    await expect(page.get_by_test_id("face-status")).to_have_attribute(
        "data-kind", "present", timeout=20_000
    )
    await page.screenshot(path=str(screenshots / "whole-lobby.png"), full_page=True)

    # Start → question → answering by voice.
    await expect(page.get_by_test_id("privacy-note")).to_contain_text(
        "never leaves this browser"
    )
    await page.get_by_role("button", name="Start interview").click()
    await expect(page.get_by_test_id("question-text")).to_have_attribute(
        "data-final", "true"
    )
    await expect(page.get_by_test_id("question-counter")).to_have_text("1 / 2")
    await expect(page.get_by_test_id("device-check")).to_be_hidden()
    await page.get_by_role("button", name="Start answering").click()
    await expect(page.get_by_test_id("phase")).to_have_attribute(
        "data-phase", "answering"
    )
    await expect(page.locator("#transcript .seg-interim")).to_have_text(
        "I would measure first, then compare"
    )
    await expect(page.get_by_test_id("speech-status")).to_have_text("Listening…")
    finals = page.locator("#transcript .seg-final.seg-speech")
    await expect(finals).to_have_count(2, timeout=10_000)
    await expect(finals.first).to_have_text(FIRST)

    # The live coach heard the fillers.
    nudge = page.get_by_test_id("feedback").locator(".feedback-item[data-kind=filler]")
    await expect(nudge).to_be_visible()
    await more_frames(page, 10)
    await page.screenshot(path=str(screenshots / "whole-mid-answer.png"))

    await page.get_by_role("button", name="Finish answer").click()
    await expect(page.get_by_test_id("analysis")).to_be_visible()
    await expect(page.get_by_test_id("analysis-score")).to_have_text(
        re.compile(r"^\d+(\.\d)? / 10$")
    )
    await all_sent(page)

    # The rest is skipped, until the report.
    for _ in range(6):
        if await wait_for_turn(page) == "finished":
            break
        await page.get_by_role("button", name="Skip").click()
    else:
        raise AssertionError("the interview never finished")
    await expect(page.get_by_test_id("report")).to_be_visible()
    await expect(page.get_by_test_id("report-score")).to_have_text(re.compile(r"\d"))
    await expect(page.get_by_test_id("phase")).to_have_attribute(
        "data-phase", "finished"
    )
    await all_sent(page)
    await page.screenshot(path=str(screenshots / "whole-finished.png"), full_page=True)

    # What the server stored, through the HTTP API.
    document = await (await api_get(page, f"/api/interviews/{interview_id}")).json()
    assert document["phase"] == "finished" and document["score"] is not None
    assert FIRST in document["answers"][0]["transcript"]
    assert document["recordings"] and document["recordings"][0]["size_bytes"] > 0

    body = await (
        await api_get(
            page,
            f"/api/interviews/{interview_id}/events?limit=5000",
            "application/msgpack",
        )
    ).body()
    log = msgpack.unpackb(body, raw=False)["events"]
    sent = [event["d"] for event in log if event["t"] == "transcript"]
    assert sent and all(d["src"] == "speech" for d in sent)
    assert [d["text"] for d in sent if d["final"]] == [FIRST, FILLER_ANSWER]
    assert any(not d["final"] for d in sent), "no interim transcript stored"
    assert any(e["d"]["kind"] == "filler" for e in log if e["t"] == "feedback")
    frames = face_frames(log)
    present = [frame for frame in frames if frame["present"] is True]
    assert present and len(present) >= len(frames) * 0.8, frames[:5]
    audio = [e for e in log if e["t"] == "audio"]
    assert [e["d"]["chunk"] for e in audio] == list(range(len(audio)))

    response = await api_get(page, f"/api/interviews/{interview_id}/recording")
    recording = await response.body()
    assert len(recording) == document["recordings"][0]["size_bytes"]
    frame_count, seconds, peak = decoded_audio(recording)
    assert frame_count >= 1
    assert seconds > 0.5, seconds
    assert (
        document["recordings"][0]["mime"] != "audio/webm;codecs=opus" or peak > 0.01
    ), "the recording is silent"
