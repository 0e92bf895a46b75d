"""The code pad in Chromium: during a coding question the candidate types code in the pad
(CodeMirror, under a strict Content-Security-Policy), an observer sees it live, and the log,
the stored answer and its analysis hold it."""

from __future__ import annotations

import json
from pathlib import Path
from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS

from tests.browser.test_observe import log_in, observe
from tests.hub.peer import Api
from tests.browser.test_room import NO_SPEECH, all_sent, events, interview, open_room, sign_up

# What the security work enforces on every page, with the code pad as it is: scripts only from
# this origin (and WebAssembly for face tracking), styles only from this origin.
CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
       "img-src 'self' data: blob:; media-src 'self' blob:; worker-src 'self' blob:; "
       "connect-src 'self' ws: wss: data: blob:")
COLLECT_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(
  {directive: e.violatedDirective, source: e.sourceFile, sample: e.sample}));
"""
CODE_LINES = [
    "// O(n) time, O(n) space",
    "function twoSum(nums, target) {",
    "const seen = new Map();",
    "for (let i = 0; i < nums.length; i++) {",
    "if (seen.has(target - nums[i])) return [seen.get(target - nums[i]), i];",
    "seen.set(nums[i], i);",
    "}",
    "return null;",
    "}",
]
EXPLANATION = ("I keep a map of the values seen and look up each complement in one pass, so it "
               "is O of n time and O of n space; with no pair it returns null.")


@pytest.fixture
async def csp_page(browser: Any, server_url: str) -> AsyncIterator[Any]:
    """A page in a browser of its own: a page whose response the test rewrites (to add the
    policy) counts for Chromium as coming from outside, and its local-network checks would
    then block the websocket to this machine; those checks are off here."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        own = await playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[*CHROMIUM_FLAGS, "--disable-features=LocalNetworkAccessChecks"],
        )
        context = await own.new_context(base_url=server_url,
                                        viewport={"width": 1280, "height": 1000})
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
        await own.close()
    assert errors == [], errors


async def with_csp(page: Any) -> None:
    async def add_header(route: Any) -> None:
        response = await route.fetch()
        headers = {**response.headers, "content-security-policy": CSP}
        await route.fulfill(response=response, headers=headers)

    await page.route("**/interviews/*/room", add_header)


async def test_typing_code_during_a_technical_question_reaches_observers_and_the_log(
    csp_page: Any, browser: Any, server_url: str, screenshots: Path
) -> None:
    page = csp_page
    await page.add_init_script(NO_SPEECH)
    await page.add_init_script(COLLECT_VIOLATIONS)
    await sign_up(page)
    response = await page.request.post("/api/interviews", data={
        "kind": "technical", "role_title": "Software engineer", "difficulty": "mid",
        "questions": 2, "job_description": "We need JavaScript and Node.js; Python is a plus."})
    assert response.status == 201, await response.text()
    interview_id = str((await response.json())["id"])
    await with_csp(page)
    await open_room(page, interview_id)
    await page.get_by_role("button", name="Start interview").click()
    await expect(page.get_by_test_id("question-text")).to_have_attribute("data-final", "true")
    code_card = page.get_by_test_id("code-card")
    for _ in range(2):  # a technical plan of two questions has a coding question
        if await code_card.is_visible():
            break
        text = await page.get_by_test_id("question-text").inner_text()
        await page.get_by_role("button", name="Skip").click()
        await expect(page.get_by_test_id("question-text")).not_to_have_text(text)
        await expect(page.get_by_role("button", name="Start answering")).to_be_enabled()
    await expect(code_card).to_be_visible()
    await expect(page.get_by_test_id("question-text")).to_contain_text("code pad")

    teacher = Api(server_url)
    instructor = await teacher.sign_up("instructor")
    granted = await page.request.post(f"/api/interviews/{interview_id}/observers",
                                      data={"username": instructor["username"]})
    assert granted.status == 201
    observer_context, observer, observer_errors = await log_in(
        browser, server_url, instructor["username"])
    try:
        await observe(observer, interview_id)
        await page.get_by_role("button", name="Start answering").click()
        await expect(page.get_by_role("button", name="Finish answer")).to_be_enabled()
        await page.get_by_test_id("code-lang").select_option("javascript")
        editor = page.get_by_test_id("code-input")
        await editor.click()
        for line in CODE_LINES:
            await page.keyboard.type(line)
            await page.keyboard.press("Enter")
        # Typing spaces in the pad did not end the answer (Space is the answer shortcut).
        await expect(page.get_by_role("button", name="Finish answer")).to_be_enabled()

        # The observer sees the code as it is typed, before the answer ends.
        await expect(observer.get_by_test_id("code-view")).to_contain_text("seen.set(nums[i], i);")
        await expect(observer.get_by_test_id("code-meta")).to_contain_text("JavaScript")
        await page.screenshot(path=str(screenshots / "code-pad-room.png"), full_page=True)

        # A reload mid-answer brings the pad back as it was (from the log), in its language.
        await all_sent(page)
        await page.reload()
        await expect(page.get_by_test_id("connection")).to_have_attribute("data-state", "live")
        await expect(page.get_by_test_id("code-input")).to_contain_text("seen.set(nums[i], i);")
        await expect(page.get_by_test_id("code-lang")).to_have_value("javascript")
        await expect(page.get_by_role("button", name="Finish answer")).to_be_enabled()
        await observer.screenshot(path=str(screenshots / "code-pad-observer.png"), full_page=True)

        await page.fill("#typed-answer", EXPLANATION)
        await page.get_by_role("button", name="Send").click()
        await page.get_by_role("button", name="Finish answer").click()
        await expect(page.get_by_test_id("analysis")).to_be_visible()
        await all_sent(page)
        shown = await observer.get_by_test_id("code-view").inner_text()
    finally:
        await observer_context.close()
        await teacher.close()
    assert observer_errors == []

    # The log holds the snapshots; the last is what the observer shows and what was stored.
    log = await events(page, interview_id)
    snapshots = [e["d"] for e in log if e["t"] == "code"]
    assert snapshots and all(s["lang"] == "javascript" for s in snapshots[1:])
    assert snapshots[-1]["text"].strip() == shown.strip()
    assert "function twoSum(nums, target) {" in shown and "return null;" in shown
    document = await interview(page, interview_id)
    answer = next(a for a in document["answers"] if a["code"])
    assert answer["code_lang"] == "javascript" and answer["code"] == snapshots[-1]["text"]
    analysis = next(a for a in document["analyses"] if a["qid"] == answer["qid"])
    assert analysis["rubric"]["code"] > 0, analysis
    assert any("JavaScript code parses" in s for s in analysis["strengths"]), analysis

    # Under the strict policy the editor is styled (its base theme makes it a flex box) and
    # nothing of CodeMirror was blocked.
    display = await page.evaluate(
        "document.getElementById('code-pad').shadowRoot.querySelector('.cm-editor')"
        " && getComputedStyle(document.getElementById('code-pad').shadowRoot"
        ".querySelector('.cm-editor')).display")
    assert display == "flex"
    violations = await page.evaluate("window.__csp")
    blocked = [v for v in violations
               if "codemirror" in (v["source"] or "") or v["directive"] == "style-src-elem"]
    assert blocked == [], json.dumps(blocked, indent=1)
    (screenshots / "code-pad-csp-violations.json").write_text(json.dumps(violations, indent=1))

    # The replay shows the code as it stood when the answer was analysed.
    await page.goto(f"/interviews/{interview_id}/replay")
    await expect(page.get_by_test_id("replay")).to_have_attribute("data-complete", "true")
    await page.locator("[data-testid=marker][data-kind=analysis]").last.click()
    await expect(page.get_by_test_id("code-view")).to_contain_text("seen.set(nums[i], i);")
    await expect(page.get_by_test_id("code-meta")).to_contain_text("JavaScript")
