"""Every page under the Content-Security-Policy, in Chromium: no violation is reported, and
each page still does its job (the room reaches the lobby and tracks a face with the
WebAssembly backend, the observer view goes live, the replay loads the log)."""

from __future__ import annotations

from typing import Any

from playwright.async_api import expect

from server.security_headers import CONTENT_SECURITY_POLICY
from tests.browser.test_face import face_page, face_video  # noqa: F401  (fixtures)
from tests.browser.test_replay import record_interview
from tests.browser.test_room import new_interview, sign_up
from tests.hub.peer import Api

WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile}:${event.lineNumber}`);
});
"""


class Violations:
    """What the page reported: securitypolicyviolation events and CSP console messages."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.console: list[str] = []
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    async def visit(self, path: str) -> None:
        response = await self.page.goto(path)
        assert response is not None and response.status == 200, (path, response and response.status)
        headers = await response.all_headers()
        assert headers.get("content-security-policy") == CONTENT_SECURITY_POLICY, path

    async def assert_none(self, where: str) -> None:
        reported = await self.page.evaluate("window.__cspViolations")
        assert reported == [] and self.console == [], (where, reported, self.console)


async def test_public_and_account_pages_keep_to_the_policy(page: Any, server_url: str) -> None:
    await page.context.add_init_script(WATCH_VIOLATIONS)
    watch = Violations(page)
    for path in ("/", "/login", "/register"):
        await watch.visit(path)
        await watch.assert_none(path)
    await sign_up(page)
    await watch.visit("/")
    await expect(page.get_by_test_id("whoami")).to_be_visible()
    await watch.assert_none("dashboard")


async def test_interview_observe_and_replay_pages_keep_to_the_policy(
    page: Any, server_url: str
) -> None:
    await page.context.add_init_script(WATCH_VIOLATIONS)
    watch = Violations(page)
    candidate = Api(server_url)
    try:
        user = await candidate.sign_up("candidate")
        interview_id = await candidate.interview(questions=2, kind="behavioral")
        log = await record_interview(candidate, interview_id)
    finally:
        await candidate.close()
    response = await page.request.post(
        "/api/session", data={"username": user["username"], "password": "correct horse battery"}
    )
    assert response.status == 200

    await watch.visit(f"/interviews/{interview_id}")
    await expect(page.get_by_test_id("replay-link")).to_be_visible()
    await watch.assert_none("interview page")

    await watch.visit(f"/interviews/{interview_id}/observe")
    await expect(page.get_by_test_id("connection")).to_have_attribute("data-state", "live")
    # The chart (Chart.js, loaded by a script element) is drawn from the logged face data.
    await expect(page.locator("canvas").first).to_be_visible()
    await watch.assert_none("observe")

    await watch.visit(f"/interviews/{interview_id}/replay")
    root = page.get_by_test_id("replay")
    await expect(root).to_have_attribute("data-complete", "true")
    await expect(root).to_have_attribute("data-loaded", str(len(log)))
    await watch.assert_none("replay")


async def test_the_room_keeps_to_the_policy_with_face_tracking(face_page: Any) -> None:  # noqa: F811
    page = face_page
    await page.context.add_init_script(WATCH_VIOLATIONS)
    watch = Violations(page)
    await sign_up(page)
    interview_id = await new_interview(page)
    await watch.visit(f"/interviews/{interview_id}/room")
    await expect(page.get_by_test_id("connection")).to_have_attribute("data-state", "live")
    await expect(page.get_by_test_id("lobby")).to_be_visible()
    # The face tracker's WebAssembly backend compiled and found the face.
    await expect(page.get_by_test_id("face-status")).to_have_attribute(
        "data-kind", "present", timeout=30_000
    )
    await watch.assert_none("room")
