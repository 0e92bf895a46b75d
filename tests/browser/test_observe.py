"""The instructor's live observer view in Chromium: a candidate (a protocol client) runs an
interview while instructors watch it in the browser, send notes, and join mid-interview."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import msgpack
from playwright.async_api import expect

from protocol import Face, FaceFrame, State, Transcript
from tests.hub.peer import PASSWORD, Api, Peer

ANSWER = (
    "I would meet each stakeholder to understand the business impact of their request, "
    "then agree on priorities together and communicate the trade-offs openly."
)
INTERIM = "I would meet each stakeholder"


async def log_in(browser: Any, server_url: str, username: str) -> tuple[Any, Any, list[str]]:
    """A new browser context logged in as ``username``; JavaScript errors are collected."""
    context = await browser.new_context(base_url=server_url, viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    response = await page.request.post("/api/session", data={"username": username, "password": PASSWORD})
    assert response.status == 200, await response.text()
    return context, page, errors


async def observe(page: Any, interview_id: str) -> None:
    await page.goto(f"/interviews/{interview_id}")
    await page.get_by_test_id("observe-live").click()
    await page.wait_for_url(f"**/interviews/{interview_id}/observe")
    await expect(page.get_by_test_id("connection")).to_have_attribute("data-state", "live")
    await expect(page.get_by_test_id("connection")).to_have_text("Live")


def face_batch(start_ms: int, count: int) -> Face:
    return Face(frames=tuple(
        FaceFrame(t=start_ms + i * 100, present=True, yaw=-10.0 + i, eye_contact=0.5 + i / 40)
        for i in range(count)
    ))


async def test_an_instructor_observes_a_live_interview(
    browser: Any, server_url: str, screenshots: Path
) -> None:
    candidate = Api(server_url)
    teacher = Api(server_url)
    latecomer = Api(server_url)
    contexts: list[Any] = []
    errors: list[str] = []
    peer: Peer | None = None
    try:
        await candidate.sign_up("candidate")
        instructor = await teacher.sign_up("instructor")
        late = await latecomer.sign_up("instructor")
        interview_id = await candidate.interview(questions=2, kind="behavioral")

        # Not granted yet: the observer page is a 404 like any foreign interview.
        context, page, page_errors = await log_in(browser, server_url, instructor["username"])
        contexts.append(context)
        errors = page_errors
        response = await page.goto(f"/interviews/{interview_id}/observe")
        assert response is not None and response.status == 404
        assert "Backend engineer" not in await page.content()

        await candidate.grant(interview_id, instructor["username"])
        await candidate.grant(interview_id, late["username"])
        await observe(page, interview_id)
        presence = page.get_by_test_id("presence")
        await expect(presence).to_contain_text(instructor.get("display_name") or instructor["username"])

        # The candidate starts: the question streams in and becomes final.
        peer = Peer(await candidate.ws_url(interview_id, "candidate"), "candidate")
        await peer.connect()
        await peer.send(State(action="start"))
        question = page.get_by_test_id("question-text")
        await expect(question).to_have_attribute("data-final", "true")
        await expect(page.get_by_test_id("phase")).to_have_attribute("data-phase", "asking")
        await expect(page.get_by_test_id("question-counter")).to_have_text("1 / 2")
        first_question = (await question.inner_text()).strip()
        assert first_question

        # The answer as spoken: an interim segment, replaced by its final text; face metrics.
        await peer.send(State(action="answer_start"))
        await expect(page.get_by_test_id("phase")).to_have_attribute("data-phase", "answering")
        await peer.send(Transcript(seg=0, text=INTERIM, final=False, src="speech"))
        transcript = page.get_by_test_id("transcript")
        await expect(transcript.locator(".seg-interim")).to_have_text(INTERIM)
        now = int(time.time() * 1000)
        for batch in range(3):
            await peer.send(face_batch(now + batch * 1000, 10))
        await peer.send(Transcript(seg=0, text=ANSWER, final=True, src="speech"))
        await expect(transcript.locator(".seg-final")).to_have_text(ANSWER)
        await expect(transcript.locator(".seg-interim")).to_have_count(0)
        chart = page.get_by_test_id("face-chart")
        await expect(chart).to_have_attribute("data-points", "60")
        await expect(chart).to_have_attribute("data-rendered", "60")
        await expect(page.get_by_test_id("word-count")).to_have_text("23")
        await expect(page.get_by_test_id("talk-time")).not_to_have_text("0:00", timeout=5000)
        await expect(page.get_by_test_id("pace")).to_have_text(re.compile(r"^\d+ wpm$"), timeout=8000)

        # The instructor sends a note to the candidate; it is logged with to=candidate.
        await page.get_by_test_id("note-text").fill("Slow down a little and give an example.")
        await page.get_by_role("button", name="Send note").click()
        stream = page.get_by_test_id("stream")
        note = stream.locator("[data-testid=note][data-to=candidate]")
        await expect(note).to_contain_text("Slow down a little")
        await expect(note).to_contain_text("to the candidate")
        # And one for the observers only.
        await page.get_by_text("To observers only").click()
        await page.get_by_test_id("note-text").fill("Good structure so far.")
        await page.get_by_role("button", name="Send note").click()
        await expect(stream.locator("[data-testid=note][data-to=observers]")).to_contain_text("Good structure")

        # The answer ends: an analysis appears.
        await peer.send(State(action="answer_end"))
        analyses = page.get_by_test_id("analyses")
        await expect(analyses.locator("[data-testid=analysis]")).to_have_count(1)
        await expect(analyses).to_contain_text(first_question[:30])
        await expect(page.get_by_test_id("question-text")).not_to_have_text(first_question)

        log = await candidate.events(interview_id)
        notes = [event["d"] for event in log if event["t"] == "note"]
        assert [(n["to"], n["text"]) for n in notes] == [
            ("candidate", "Slow down a little and give an example."),
            ("observers", "Good structure so far."),
        ]
        assert notes[0]["from"] == instructor["id"]

        # A second instructor joins mid-interview and catches up from the start.
        late_context, late_page, late_errors = await log_in(browser, server_url, late["username"])
        contexts.append(late_context)
        await observe(late_page, interview_id)
        await expect(late_page.get_by_test_id("transcript").locator(".seg-final")).to_have_text(ANSWER)
        await expect(late_page.get_by_test_id("analyses").locator("[data-testid=analysis]")).to_have_count(1)
        await expect(late_page.get_by_test_id("stream").locator("[data-testid=note]")).to_have_count(2)
        await expect(late_page.get_by_test_id("face-chart")).to_have_attribute("data-points", "60")
        await expect(late_page.get_by_test_id("question-text")).to_have_attribute("data-final", "true")
        await expect(late_page.get_by_test_id("question-text")).to_have_text(
            await page.get_by_test_id("question-text").inner_text()
        )
        await expect(late_page.get_by_test_id("word-count")).to_have_text("23")
        # Both instructors are listed as watching, on both pages.
        for watcher in (page, late_page):
            await expect(watcher.get_by_test_id("presence").locator("li")).to_have_count(2)
            await expect(watcher.get_by_test_id("presence")).to_contain_text(late.get("display_name") or late["username"])

        # The candidate ends the interview: the report shows up live.
        await peer.send(State(action="finish"))
        await expect(page.get_by_test_id("report")).to_be_visible(timeout=15000)
        await expect(page.get_by_test_id("phase")).to_have_attribute("data-phase", "finished")
        await expect(late_page.get_by_test_id("report")).to_be_visible()
        await page.screenshot(path=str(screenshots / "observe-live.png"), full_page=True)
        assert errors == [] and late_errors == [], (errors, late_errors)
    finally:
        if peer is not None and peer.ws is not None:
            peer.drop()
        for context in contexts:
            await context.close()
        for api in (candidate, teacher, latecomer):
            await api.close()


async def test_the_observer_page_is_for_those_who_may_see_the_interview(
    browser: Any, server_url: str
) -> None:
    owner = Api(server_url)
    stranger = Api(server_url)
    try:
        await owner.sign_up("candidate")
        outsider = await stranger.sign_up("instructor")
        interview_id = await owner.interview(questions=1)
        context, page, errors = await log_in(browser, server_url, outsider["username"])
        try:
            response = await page.goto(f"/interviews/{interview_id}/observe")
            assert response is not None and response.status == 404
            # The owner may watch too (without the note form, which is for instructors).
            await page.request.delete("/api/session")
            assert owner.user.get("username")
            response = await page.request.post(
                "/api/session", data={"username": owner.user["username"], "password": PASSWORD}
            )
            assert response.status == 200
            await observe(page, interview_id)
            await expect(page.get_by_test_id("note-form")).to_have_count(0)
            await expect(page.get_by_test_id("presence")).to_contain_text(owner.user.get("display_name") or owner.user["username"])
            # The chart library is served locally.
            assert (await page.request.get("/vendor/chartjs/chart.js")).status == 200
            assert (await page.request.get("/vendor/chartjs/chart.js.map")).status == 404
            assert errors == [], errors
        finally:
            await context.close()
    finally:
        await owner.close()
        await stranger.close()


async def test_the_observer_view_resumes_after_falling_too_far_behind(
    browser: Any, server_url: str
) -> None:
    """Closed with 4010, the page reconnects with its `last_seq` and carries on: what was
    said meanwhile arrives once, nothing shown before is repeated."""
    candidate = Api(server_url)
    teacher = Api(server_url)
    peer: Peer | None = None
    hellos: list[dict[str, Any]] = []
    routes: list[tuple[Any, Any]] = []

    async def route(ws: Any) -> None:
        server = ws.connect_to_server()

        def to_server(message: str | bytes) -> None:
            if isinstance(message, bytes):
                frame = msgpack.unpackb(message, raw=False)
                if isinstance(frame, dict) and frame.get("t") == "hello":
                    hellos.append(frame["d"])
            server.send(message)

        ws.on_message(to_server)
        server.on_message(lambda message: ws.send(message))
        routes.append((ws, server))

    try:
        await candidate.sign_up("candidate")
        instructor = await teacher.sign_up("instructor")
        interview_id = await candidate.interview(questions=1, kind="behavioral")
        await candidate.grant(interview_id, instructor["username"])
        context, page, errors = await log_in(browser, server_url, instructor["username"])
        try:
            await page.route_web_socket(re.compile(r"/ws/interviews/"), route)
            await observe(page, interview_id)
            peer = Peer(await candidate.ws_url(interview_id, "candidate"), "candidate")
            await peer.connect()
            await peer.send(State(action="start"))
            await expect(page.get_by_test_id("phase")).to_have_attribute("data-phase", "asking")
            await peer.send(State(action="answer_start"))
            await peer.send(Transcript(seg=0, text="Before the cut.", final=True, src="speech"))
            finals = page.get_by_test_id("transcript").locator(".seg-final")
            await expect(finals).to_have_text(["Before the cut."])

            page_side, server_side = routes[-1]
            await page_side.close(code=4010, reason="too far behind")
            await server_side.close()
            await peer.send(Transcript(seg=1, text="Said while away.", final=True, src="speech"))
            await peer.send(Transcript(seg=2, text="And after.", final=True, src="speech"))

            await expect(finals).to_have_text(["Before the cut.", "Said while away.", "And after."])
            await expect(page.get_by_test_id("connection")).to_have_attribute("data-state", "live")
            assert len(hellos) >= 2
            assert hellos[0]["role"] == "observer" and hellos[0]["last_seq"] == 0
            assert hellos[-1]["last_seq"] > 0
            await expect(page.get_by_test_id("word-count")).to_have_text("8")
            await expect(page.get_by_test_id("transcript").locator(".answer-block")).to_have_count(1)
            assert errors == [], errors
        finally:
            await context.close()
    finally:
        if peer is not None and peer.ws is not None:
            peer.drop()
        await candidate.close()
        await teacher.close()
