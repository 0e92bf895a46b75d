"""Face metrics in the room, in Chromium: a fake camera that shows a real face (a photo
shipped with the face-tracking npm package, turned into a Y4M video by the browser itself),
the lobby's device check, and the `face` messages stored in the interview's event log."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS
from tests.browser.media import write_face_video
from tests.browser.test_room import NO_SPEECH, all_sent, events, new_interview, open_room, sign_up, start_interview


@pytest.fixture(scope="module")
async def face_video(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A short Y4M video of a face, decoded and converted by Chromium (no ffmpeg needed)."""
    return await write_face_video(browser, tmp_path_factory.mktemp("fake-camera") / "face.y4m")


@pytest.fixture
async def face_page(face_video: Path, server_url: str) -> AsyncIterator[Any]:
    """A page in a browser whose fake camera shows the face video."""
    from playwright.async_api import async_playwright

    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[*CHROMIUM_FLAGS, f"--use-file-for-fake-video-capture={face_video}"],
        )
        context = await browser.new_context(base_url=server_url)
        await context.add_init_script(NO_SPEECH)
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(f"{error}\n{error.stack}"))
        yield page
        await browser.close()
    assert errors == [], errors


async def more_frames(page: Any, count: int) -> None:
    """Wait until the tracker has measured `count` more frames."""
    script = "() => Number(document.getElementById('camera-preview').dataset.frames || 0)"
    seen = await page.evaluate(script)
    await page.wait_for_function(f"() => ({script})() >= {seen + count}")


def face_frames(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [frame for event in log if event["t"] == "face" for frame in event["d"]["frames"]]


async def test_face_metrics_from_a_real_face(face_page: Any) -> None:
    page = face_page
    await sign_up(page)
    interview_id = await new_interview(page, questions=1)
    await open_room(page, interview_id)

    # The lobby's device check: camera preview, microphone meter, no speech recognition here.
    await expect(page.get_by_test_id("check-camera")).to_have_attribute("data-kind", "ok")
    await expect(page.get_by_test_id("check-mic")).to_have_attribute("data-kind", "ok")
    if await page.locator("#btn-mic-check").is_visible():
        await page.locator("#btn-mic-check").click()
    # Chromium's fake microphone beeps: the meter moves.
    await page.wait_for_function("() => Number(document.getElementById('mic-meter').dataset.peak || 0) > 0")
    await expect(page.get_by_test_id("check-speech")).to_have_attribute("data-kind", "missing")
    await expect(page.get_by_test_id("check-speech")).to_contain_text("type your answers")
    # The face is found before anything is sent (nothing is sent in the lobby).
    await expect(page.get_by_test_id("face-status")).to_have_attribute("data-kind", "present", timeout=20_000)
    await expect(page.get_by_test_id("face-status")).to_have_text("Face: in view.")
    assert not any(event["t"] == "face" for event in await events(page, interview_id))

    await start_interview(page)
    await expect(page.get_by_test_id("device-check")).to_be_hidden()
    clicked_at = await page.evaluate("() => Math.round(performance.now())")
    await page.get_by_role("button", name="Start answering").click()
    await expect(page.get_by_test_id("phase")).to_have_attribute("data-phase", "answering")
    # A few batches of five frames.
    await more_frames(page, 15)
    await page.wait_for_timeout(1500)
    await all_sent(page)

    log = await events(page, interview_id)
    faces = [event for event in log if event["t"] == "face"]
    assert faces, "no face events stored"
    assert all(1 <= len(event["d"]["frames"]) <= 30 for event in faces)
    frames = face_frames(log)
    present = [frame for frame in frames if frame["present"]]
    assert present, frames[:5]
    assert len(present) >= len(frames) * 0.8
    for frame in present:
        assert isinstance(frame["t"], int)
        # A photo of someone facing the camera: a small head angle, good eye contact.
        assert abs(frame["yaw"]) < 30, frame
        assert abs(frame["pitch"]) < 35, frame
        assert abs(frame["roll"]) < 30, frame
        assert 0 <= frame["eye_contact"] <= 1
        assert 0 <= frame["smile"] <= 1
        assert isinstance(frame["emotion"], str) and 0 <= frame["emotion_score"] <= 1
        assert isinstance(frame["blink"], bool)
    assert max(frame["eye_contact"] for frame in present) > 0.3
    times = [frame["t"] for frame in frames]
    assert times == sorted(times)
    # Nothing measured in the lobby is sent.
    assert times[0] >= clicked_at - 1000, (times[0], clicked_at)


async def test_face_messages_without_a_face(page: Any) -> None:
    """Chromium's default fake camera shows no face: frames say so, and the page says so."""
    await page.add_init_script(NO_SPEECH)
    await sign_up(page)
    interview_id = await new_interview(page, questions=1)
    await open_room(page, interview_id)
    await expect(page.get_by_test_id("face-status")).to_have_attribute("data-kind", "absent", timeout=20_000)
    await expect(page.get_by_test_id("face-status")).to_contain_text("not detected")
    await start_interview(page)
    await page.get_by_role("button", name="Start answering").click()
    await expect(page.get_by_test_id("phase")).to_have_attribute("data-phase", "answering")
    await more_frames(page, 15)
    await page.wait_for_timeout(1000)
    await all_sent(page)
    frames = face_frames(await events(page, interview_id))
    assert frames and not any(frame["present"] for frame in frames)
    assert all(set(frame) == {"t", "present"} for frame in frames)
