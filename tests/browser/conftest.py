"""Browser tests: the distribution's Chromium driven by Playwright against a real server."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, AsyncIterator, Iterator

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing and REQUIRE_BROWSER=1")
        pytest.skip(f"{CHROMIUM} is not installed (make test installs it with apt-get)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS
        )
        yield browser
        await browser.close()


@pytest.fixture(scope="session")
def server_url(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from tests.live_server import live_server

    root = tmp_path_factory.mktemp("browser-server")
    env = {
        "APP_ENV": "test",
        "DATABASE_URL": database_url,
        "DATA_DIR": str(root / "data"),
        "RECORDINGS_DIR": str(root / "recordings"),
        "SECRET_KEY": "test-secret-key-for-browser-tests-0123456789",
    }
    with live_server(env, log=root / "server.log") as (url, _):
        yield url


@pytest.fixture
async def page(browser: Any, server_url: str) -> AsyncIterator[Any]:
    """A fresh browser context; the test fails if the page threw a JavaScript error."""
    context = await browser.new_context(base_url=server_url)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    await context.close()
    assert errors == [], errors


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where browser tests leave screenshots (set SCREENSHOTS_DIR to keep them)."""
    folder = os.environ.get("SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return Path(folder)
    return tmp_path_factory.mktemp("screenshots")
