"""The room with the camera declined and the microphone allowed: it says so, the interview
goes on without face metrics, and the answer's audio is still recorded."""

from __future__ import annotations

import asyncio
from typing import Any

from playwright.async_api import expect

from tests.browser.test_room import (
    NO_SPEECH,
    events,
    interview,
    new_interview,
    open_room,
    send_typed,
    sign_up,
    start_interview,
)

DECLINE_CAMERA = """
(() => {
  const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = (constraints) => constraints && constraints.video
    ? Promise.reject(new DOMException('Permission denied', 'NotAllowedError'))
    : original(constraints);
})();
"""


async def test_camera_declined_microphone_allowed(page: Any) -> None:
    await page.add_init_script(NO_SPEECH)
    await page.add_init_script(DECLINE_CAMERA)
    await sign_up(page)
    interview_id = await new_interview(page, questions=1)
    await open_room(page, interview_id)
    await expect(page.get_by_test_id("privacy-note")).to_contain_text("microphone audio")
    await expect(page.get_by_test_id("check-camera")).to_contain_text("permission was refused")
    await expect(page.get_by_test_id("check-camera")).to_contain_text("works without it")
    await start_interview(page)
    await page.get_by_role("button", name="Start answering").click()
    await send_typed(page, "I listed the risks, agreed on an order and shipped the smallest part.")
    await page.get_by_role("button", name="Finish answer").click()
    await expect(page.get_by_test_id("analysis")).to_be_visible()

    log = await events(page, interview_id)
    assert not [e for e in log if e["t"] == "face"]
    assert [e for e in log if e["t"] == "transcript"]
    recorder_works = await page.evaluate(
        "typeof MediaRecorder === 'function' && (MediaRecorder.isTypeSupported('audio/webm;codecs=opus')"
        " || MediaRecorder.isTypeSupported('audio/mp4'))"
    )
    if recorder_works:
        document: dict[str, Any] = {}
        for _ in range(50):
            document = await interview(page, interview_id)
            if document["recordings"] and document["recordings"][0]["size_bytes"] > 0:
                break
            await asyncio.sleep(0.1)
        assert document["recordings"] and document["recordings"][0]["size_bytes"] > 0
