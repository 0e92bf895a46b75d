"""What a newcomer does first: register, log out, log in, create an interview."""

from pathlib import Path
from typing import Any

from tests.conftest import unique_name


async def test_register_log_in_and_create_an_interview(page: Any, screenshots: Path) -> None:
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on(
        "response",
        lambda r: r.status >= 400 and "/login" not in r.url and failed.append(f"{r.status} {r.url}"),
    )

    username = unique_name("browser")
    await page.goto("/")
    await page.get_by_role("link", name="Create an account").first.click()
    await page.fill("#username", username)
    await page.fill("#display_name", "Browser Tester")
    await page.fill("#password", "a good long password")
    await page.get_by_role("button", name="Create account").click()
    await page.wait_for_url("**/")
    assert "Browser Tester" in await page.get_by_test_id("whoami").inner_text()

    await page.get_by_role("button", name="Log out").click()
    await page.wait_for_url("**/")
    await page.get_by_role("link", name="Log in").first.click()
    await page.fill("#username", username)
    await page.fill("#password", "a wrong password")
    await page.get_by_role("button", name="Log in").click()
    assert "Wrong username or password" in await page.get_by_test_id("login-error").inner_text()
    await page.fill("#password", "a good long password")
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url("**/")

    await page.select_option("#kind", "behavioral")
    await page.fill("#role_title", "Site reliability engineer")
    await page.select_option("#difficulty", "senior")
    await page.fill("#questions", "6")
    await page.get_by_role("button", name="Create interview").click()
    await page.wait_for_url("**/interviews/*")
    assert await page.get_by_test_id("interview-title").inner_text() == "Site reliability engineer"
    assert "behavioral · senior · 6 questions" in await page.content()

    # Bootstrap's dark theme and Font Awesome came from the locally served npm packages.
    text_color = await page.evaluate("getComputedStyle(document.body).color")
    assert text_color == "rgb(222, 226, 230)"
    font_loaded = await page.evaluate(
        "document.fonts.ready.then(() => [...document.fonts].some(f => f.family.includes('Font Awesome') && f.status === 'loaded'))"
    )
    assert font_loaded
    assert [url for url in failed if "favicon" not in url] == []
    await page.screenshot(path=str(screenshots / "interview-created.png"), full_page=True)
