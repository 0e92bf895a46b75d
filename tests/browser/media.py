"""Fake camera and microphone inputs for Chromium: a Y4M video of a real face (a photo shipped
with the face-tracking npm package, converted by the browser itself) and a spoken WAV file."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS

HUMAN = (
    Path(__file__).resolve().parents[2]
    / "web"
    / "node_modules"
    / "@vladmandic"
    / "human"
)
SAMPLE = HUMAN / "assets" / "samples.jpg"
# The sample sheet's third thumbnail: a man facing the camera (x, y, width, height; 4:3).
FACE_CROP = (326, 0, 209, 157)
WIDTH, HEIGHT = 640, 480

# Draw the crop onto a 640×480 canvas and return it as planar I420 (Y, then U, then V).
TO_I420 = """
async ([src, crop, width, height]) => {
  const image = new Image();
  image.src = src;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = width; canvas.height = height;
  const ctx = canvas.getContext("2d");
  ctx.drawImage(image, crop[0], crop[1], crop[2], crop[3], 0, 0, width, height);
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const out = new Uint8Array(width * height * 3 / 2);
  const uAt = width * height, vAt = uAt + width * height / 4;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const [r, g, b] = [rgba[i], rgba[i + 1], rgba[i + 2]];
      out[y * width + x] = Math.round(16 + 0.257 * r + 0.504 * g + 0.098 * b);
      if (y % 2 === 0 && x % 2 === 0) {
        const c = (y / 2) * (width / 2) + x / 2;
        out[uAt + c] = Math.round(128 - 0.148 * r - 0.291 * g + 0.439 * b);
        out[vAt + c] = Math.round(128 + 0.439 * r - 0.368 * g - 0.071 * b);
      }
    }
  }
  let text = "";
  for (let i = 0; i < out.length; i += 8192) text += String.fromCharCode(...out.subarray(i, i + 8192));
  return btoa(text);
}
"""


def missing(what: str) -> None:
    """Skip the test, or fail it where browser tests must run (REQUIRE_BROWSER=1)."""
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{what} (REQUIRE_BROWSER=1)")
    pytest.skip(what)


async def write_face_video(browser: Any, path: Path) -> Path:
    """A short Y4M video of a face, decoded and converted by Chromium (no ffmpeg needed)."""
    if not SAMPLE.exists():
        pytest.skip(
            f"no sample face photo: run npm install in web/ ({SAMPLE.name} is missing)"
        )
    page = await browser.new_page()
    try:
        src = "data:image/jpeg;base64," + base64.b64encode(SAMPLE.read_bytes()).decode()
        frame = base64.b64decode(
            await page.evaluate(TO_I420, [src, list(FACE_CROP), WIDTH, HEIGHT])
        )
    finally:
        await page.close()
    assert len(frame) == WIDTH * HEIGHT * 3 // 2
    header = f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + b"".join(b"FRAME\n" + frame for _ in range(2)))
    return path


def write_spoken_wav(text: str, path: Path) -> Path:
    """Speech synthesised by espeak-ng (apt-get install espeak-ng), as a PCM WAV file."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        missing("espeak-ng is not installed (make test installs it with apt-get)")
    assert espeak is not None
    subprocess.run(
        [espeak, "-s", "160", "-w", str(path), text],
        check=True,
        capture_output=True,
        timeout=30,
    )
    assert path.stat().st_size > 44, "espeak-ng wrote an empty WAV file"
    return path


@asynccontextmanager
async def browser_with_media(
    server_url: str, *, video: Path | None = None, audio: Path | None = None
) -> AsyncIterator[tuple[Any, list[str]]]:
    """A fresh Chromium whose fake camera and microphone play the given files; yields a
    browser context and the list that collects the page errors of its pages."""
    from playwright.async_api import async_playwright

    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} is not installed")
    args = list(CHROMIUM_FLAGS)
    if video is not None:
        args.append(f"--use-file-for-fake-video-capture={video}")
    if audio is not None:
        args.append(f"--use-file-for-fake-audio-capture={audio}")
    errors: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=args
        )
        try:
            context = await browser.new_context(base_url=server_url)
            context.on(
                "page",
                lambda page: page.on(
                    "pageerror", lambda error: errors.append(f"{error}\n{error.stack}")
                ),
            )
            yield context, errors
        finally:
            await browser.close()
