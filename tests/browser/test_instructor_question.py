"""An instructor pushes a question of their own from the observer view in Chromium; the
candidate's room (another browser context) shows it marked as the instructor's, the candidate
answers it, it is analysed, and the interrupted question comes back."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.async_api import expect

from tests.browser.test_observe import log_in, observe
from tests.browser.test_room import send_typed, start_interview
from tests.hub.peer import Api

# In the replay page: for every point of the log, a view restored from a snapshot taken
# there and brought forward draws exactly what applying the whole log from the start draws.
SNAPSHOTS_AGREE = r"""
async (interviewId) => {
  const { InterviewView } = await import("/static/js/interview_view.js");
  const response = await fetch(`/api/interviews/${interviewId}/events?limit=5000`);
  const events = (await response.json()).events;
  const ids = ["transcript", "stream", "analyses", "report-questions", "question-text",
               "question-kind", "question-counter", "phase-badge", "report-score", "report-summary"];
  const drawn = () => ids.map((id) => {
    const node = document.getElementById(id);
    return `${id}|${node.hidden}|${node.dataset.final ?? ""}|${node.innerHTML}`;
  }).join("\n");
  const view = new InterviewView({ total: 1, now: () => events.at(-1).ts });
  const run = (from, to) => { for (const e of events.slice(from, to)) view.apply(e.t, e.ts, e.d); view.render(); };
  view.reset();
  run(0, events.length);
  const whole = drawn();
  const mismatches = [];
  for (let cut = 0; cut <= events.length; cut++) {
    view.reset();
    run(0, cut);
    const atCut = drawn();
    const saved = view.snapshot();
    run(cut, events.length);
    for (const pass of [1, 2]) {
      view.restore(saved);
      if (drawn() !== atCut) mismatches.push(`restore ${pass} at ${cut}`);
      run(cut, events.length);
      if (drawn() !== whole) mismatches.push(`forward ${pass} from ${cut}`);
    }
  }
  return { events: events.length, mismatches };
}
"""

QUESTION = "Before you answer: how would you explain this to a new team member?"
ANSWER = (
    "I would start with the goal, show them one real example end to end, and then let them "
    "pair with me on the next change so the trade-offs become concrete."
)


async def test_an_instructor_asks_the_candidate_a_question(
    browser: Any, server_url: str, screenshots: Path
) -> None:
    candidate = Api(server_url)
    teacher = Api(server_url)
    contexts: list[Any] = []
    try:
        owner = await candidate.sign_up("candidate")
        instructor = await teacher.sign_up("instructor")
        name = instructor.get("display_name") or instructor["username"]
        interview_id = await candidate.interview(questions=1, kind="behavioral")
        await candidate.grant(interview_id, instructor["username"])

        room_context, room, room_errors = await log_in(browser, server_url, owner["username"])
        contexts.append(room_context)
        await room.goto(f"/interviews/{interview_id}/room")
        await expect(room.get_by_test_id("connection")).to_have_attribute("data-state", "live")
        await start_interview(room)
        first = (await room.get_by_test_id("question-text").inner_text()).strip()
        assert first

        watch_context, watch, watch_errors = await log_in(browser, server_url, instructor["username"])
        contexts.append(watch_context)
        await observe(watch, interview_id)
        await expect(watch.get_by_test_id("question-text")).to_have_text(first)
        await watch.get_by_test_id("ask-text").fill(QUESTION)
        await watch.get_by_test_id("ask-send").click()
        await expect(watch.get_by_test_id("ask-status")).to_contain_text("Sent")
        await expect(watch.get_by_test_id("ask-text")).to_have_value("")

        # The candidate had not started answering: the instructor's question replaces the
        # one on screen at once, marked as the instructor's.
        await expect(room.get_by_test_id("question-text")).to_have_text(QUESTION)
        await expect(room.get_by_test_id("follow-up")).to_have_text("From your instructor")
        await expect(room.locator("#question-label")).to_have_text(f"Question from {name}")
        # The observers see it asked (the request in the stream, the question marked).
        ask_item = watch.locator("[data-testid=ask]")
        await expect(ask_item).to_have_attribute("data-state", "asked")
        await expect(ask_item).to_contain_text(QUESTION)
        await expect(watch.get_by_test_id("question-text")).to_have_text(QUESTION)
        await expect(watch.locator("#question-kind")).to_have_text(f"Instructor's question ({name})")
        await room.screenshot(path=str(screenshots / "room-instructor-question.png"))

        # The candidate answers it like any other; it is analysed.
        await room.get_by_role("button", name="Start answering").click()
        await expect(room.get_by_test_id("phase")).to_have_attribute("data-phase", "answering")
        await send_typed(room, ANSWER)
        await room.get_by_role("button", name="Finish answer").click()
        await expect(room.get_by_test_id("analysis")).to_be_visible()
        await expect(room.locator("#analysis-question")).to_contain_text(f"Instructor's question ({name})")
        await expect(room.get_by_test_id("analysis-score")).to_have_text(re.compile(r"^\d+(\.\d)? / 10$"))
        analysis = watch.locator("[data-testid=analysis][data-kind=instructor]")
        await expect(analysis).to_have_count(1)
        await expect(analysis).to_contain_text(QUESTION)
        await expect(watch.locator("#transcript .answer-label").last).to_have_text("Answer to the instructor's question")

        # Then the interview goes back to the question the instructor interrupted.
        await expect(room.get_by_test_id("question-text")).to_have_text(first)
        await expect(room.get_by_test_id("follow-up")).to_be_hidden()
        await expect(room.get_by_role("button", name="Start answering")).to_be_enabled()
        await expect(watch.get_by_test_id("question-text")).to_have_text(first)
        await watch.screenshot(path=str(screenshots / "observe-instructor-question.png"), full_page=True)

        # The replay marks the instructor's question, and its snapshots agree with the log.
        await watch.goto(f"/interviews/{interview_id}/replay")
        await expect(watch.get_by_test_id("replay")).to_have_attribute("data-complete", "true")
        await expect(watch.locator("[data-testid=marker][data-question-kind=instructor]")).to_have_count(1)
        await expect(watch.locator("[data-testid=marker][data-kind=ask]")).to_have_count(1)
        agreement = await watch.evaluate(SNAPSHOTS_AGREE, interview_id)
        assert agreement["events"] > 10 and agreement["mismatches"] == [], agreement

        log = await candidate.events(interview_id)
        asked = [e for e in log if e["t"] == "question" and e["d"]["kind"] == "instructor"]
        assert [(q["d"]["text"], q["d"]["from"], q["d"].get("name")) for q in asked] == [
            (QUESTION, instructor["id"], name)
        ]
        assert any(e["t"] == "analysis" and e["d"]["qid"] == asked[0]["d"]["qid"] for e in log)
        assert room_errors == [] and watch_errors == [], room_errors + watch_errors
    finally:
        for context in contexts:
            await context.close()
        await candidate.close()
        await teacher.close()
