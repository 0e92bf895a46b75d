"""The live interview room in Chromium: a whole interview with typed answers, the speech path
with a scripted recogniser, a network drop mid-answer, and the microphone recording."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import msgpack
import pytest
from playwright.async_api import expect

from tests.conftest import unique_name

PASSWORD = "a good long password"
FIRST_ANSWER = (
    "I would meet each stakeholder to understand the business impact of their request, "
    "then agree on priorities together and communicate the trade-offs openly."
)
SECOND_ANSWER = "I explained the risk with numbers and proposed a smaller first release instead."
FILLER_ANSWER = (
    "Um, after that I basically, you know, communicate the trade-offs, uh, and actually, I mean, "
    "we write them down so everyone can see what we decided and why it matters to the team."
)

# A scripted SpeechRecognition: each start() plays the next session's steps on a timer, a
# session whose last step says so ends by itself (as Chrome does after silence).
FAKE_SPEECH = """
(() => {
  window.__speechStarts = 0;
  window.__speechScripts = window.__speechScripts || [];
  class FakeRecognition {
    constructor() {
      this.continuous = false; this.interimResults = false; this.lang = "";
      this.onresult = null; this.onend = null; this.onerror = null; this.onstart = null;
      this._timers = []; this._results = []; this._ended = false;
    }
    start() {
      const session = window.__speechStarts++;
      const steps = window.__speechScripts[session] || [];
      this._timers.push(setTimeout(() => this.onstart && this.onstart({}), 5));
      for (const step of steps) {
        this._timers.push(setTimeout(() => {
          if (step.error) { this.onerror && this.onerror({ error: step.error }); this._end(); return; }
          if (step.text !== undefined) {
            const alternative = { transcript: step.text, confidence: step.final ? 0.9 : 0 };
            const result = { 0: alternative, length: 1, isFinal: !!step.final, item: () => alternative };
            this._results[step.index] = result;
            this.onresult && this.onresult({ resultIndex: step.index, results: this._results });
          }
          if (step.end) this._end();
        }, step.at));
      }
    }
    stop() { this._end(); }
    abort() { this._end(); }
    _end() {
      if (this._ended) return;
      this._ended = true;
      this._timers.forEach(clearTimeout);
      setTimeout(() => this.onend && this.onend({}), 5);
    }
  }
  window.SpeechRecognition = FakeRecognition;
  window.webkitSpeechRecognition = FakeRecognition;
})();
"""

NO_SPEECH = "delete window.SpeechRecognition; delete window.webkitSpeechRecognition;"


async def sign_up(page: Any) -> str:
    """A new candidate, logged in through the API (the browser context shares the cookie)."""
    username = unique_name("room")
    response = await page.request.post(
        "/api/users", data={"username": username, "password": PASSWORD, "role": "candidate"}
    )
    assert response.status == 201, await response.text()
    response = await page.request.post("/api/session", data={"username": username, "password": PASSWORD})
    assert response.status == 200, await response.text()
    return username


async def new_interview(page: Any, questions: int = 2) -> str:
    response = await page.request.post(
        "/api/interviews",
        data={"kind": "behavioral", "role_title": "Engineering manager", "difficulty": "mid", "questions": questions},
    )
    assert response.status == 201, await response.text()
    return str((await response.json())["id"])


async def events(page: Any, interview_id: str) -> list[dict[str, Any]]:
    response = await page.request.get(f"/api/interviews/{interview_id}/events?limit=5000")
    assert response.status == 200
    return list((await response.json())["events"])


async def interview(page: Any, interview_id: str) -> dict[str, Any]:
    response = await page.request.get(f"/api/interviews/{interview_id}")
    assert response.status == 200
    return dict(await response.json())


async def open_room(page: Any, interview_id: str) -> None:
    await page.goto(f"/interviews/{interview_id}/room")
    await expect(page.get_by_test_id("connection")).to_have_attribute("data-state", "live")


async def start_interview(page: Any) -> None:
    await expect(page.get_by_test_id("privacy-note")).to_contain_text("never leaves this browser")
    await page.get_by_role("button", name="Start interview").click()
    await expect(page.get_by_test_id("question-text")).to_have_attribute("data-final", "true")


async def wait_for_turn(page: Any) -> str:
    """Wait until a question can be answered ("asking") or the report is shown."""
    await page.wait_for_function(
        """() => !document.getElementById('report-card').hidden
              || !document.getElementById('btn-answer-start').disabled"""
    )
    return "finished" if await page.get_by_test_id("report").is_visible() else "asking"


async def send_typed(page: Any, text: str) -> None:
    await page.fill("#typed-answer", text)
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator("#transcript .seg-final.seg-typed").last).to_have_text(text)


async def all_sent(page: Any) -> None:
    await expect(page.get_by_test_id("connection")).to_have_attribute("data-unsent", "0")


def transcripts(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [event["d"] for event in log if event["t"] == "transcript"]


async def test_room_is_only_for_the_interviews_candidate(page: Any, browser: Any, server_url: str) -> None:
    await sign_up(page)
    interview_id = await new_interview(page)
    await page.goto(f"/interviews/{interview_id}")
    await page.get_by_test_id("enter-room").click()
    await page.wait_for_url(f"**/interviews/{interview_id}/room")
    await expect(page.get_by_test_id("connection")).to_have_attribute("data-state", "live")

    stranger_context = await browser.new_context(base_url=server_url)
    try:
        stranger = await stranger_context.new_page()
        await sign_up(stranger)
        response = await stranger.goto(f"/interviews/{interview_id}/room")
        assert response is not None and response.status == 404
        assert "Engineering manager" not in await stranger.content()
    finally:
        await stranger_context.close()


async def test_a_whole_interview_with_typed_answers(page: Any, screenshots: Path) -> None:
    await page.set_viewport_size({"width": 1280, "height": 720})
    await sign_up(page)
    interview_id = await new_interview(page, questions=2)
    await page.goto(f"/interviews/{interview_id}")
    await expect(page.get_by_test_id("enter-room")).to_contain_text("Start the interview")
    await page.get_by_test_id("enter-room").click()
    await expect(page.get_by_test_id("connection")).to_have_attribute("data-state", "live")
    await expect(page.get_by_test_id("connection")).to_have_text(re.compile("Live"))
    await expect(page.get_by_role("button", name="Start answering")).to_be_hidden()
    await start_interview(page)

    await expect(page.get_by_test_id("question-counter")).to_have_text("1 / 2")
    first_question = await page.get_by_test_id("question-text").inner_text()
    assert first_question.strip()
    await expect(page.get_by_role("button", name="Start answering")).to_be_enabled()
    await expect(page.get_by_role("button", name="Resume")).to_be_hidden()

    # The question and the main button fit a 1280x720 screen without scrolling.
    for target in (page.get_by_test_id("question-text"), page.get_by_role("button", name="Start answering")):
        box = await target.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 720
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # First answer with the buttons, paused and resumed on the way.
    await page.get_by_role("button", name="Start answering").click()
    await expect(page.get_by_test_id("phase")).to_have_attribute("data-phase", "answering")
    await expect(page.get_by_role("button", name="Finish answer")).to_be_enabled()
    await page.get_by_role("button", name="Pause").click()
    await expect(page.get_by_test_id("phase")).to_have_attribute("data-phase", "paused")
    await expect(page.get_by_test_id("paused")).to_be_visible()
    await expect(page.get_by_role("button", name="Finish answer")).to_be_disabled()
    await expect(page.locator("#typed-answer")).to_be_disabled()
    await page.get_by_role("button", name="Resume").click()
    await expect(page.get_by_test_id("phase")).to_have_attribute("data-phase", "answering")
    await expect(page.get_by_role("button", name="Finish answer")).to_be_enabled()
    await send_typed(page, FIRST_ANSWER)
    await expect(page.locator("#answer-timer-value")).not_to_have_text("0:00")
    await page.screenshot(path=str(screenshots / "room-mid-answer.png"))
    await page.get_by_role("button", name="Finish answer").click()
    await expect(page.get_by_test_id("analysis")).to_be_visible()
    await expect(page.get_by_test_id("analysis-score")).to_have_text(re.compile(r"^\d+(\.\d)? / 10$"))
    assert (await page.get_by_test_id("analysis-summary").inner_text()).strip()
    await all_sent(page)

    # The microphone (Chromium's fake device) was recorded while answering.
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
        assert document["recordings"], "no audio was recorded"
        recording = document["recordings"][0]
        assert recording["mime"] in ("audio/webm;codecs=opus", "audio/mp4")
        body = await (await page.request.get(recording["url"])).body()
        assert len(body) == recording["size_bytes"] > 0
        if recording["mime"].startswith("audio/webm"):
            assert body[:4] == b"\x1a\x45\xdf\xa3"  # an EBML (WebM) header

    # The rest with the keyboard shortcuts and Skip, until the report.
    answered = 1
    for turn in range(8):
        if await wait_for_turn(page) == "finished":
            break
        if turn == 1:
            await page.get_by_role("button", name="Skip").click()
            continue
        await page.evaluate("document.activeElement && document.activeElement.blur()")
        await page.keyboard.press("Space")
        await expect(page.get_by_test_id("phase")).to_have_attribute("data-phase", "answering")
        await page.fill("#typed-answer", SECOND_ANSWER)
        await page.press("#typed-answer", "Control+Enter")
        await expect(page.locator("#transcript .seg-final").last).to_have_text(SECOND_ANSWER)
        await page.evaluate("document.activeElement.blur()")
        await page.keyboard.press("Enter")
        await expect(page.get_by_role("button", name="Start answering")).to_be_visible()
        answered += 1
    else:
        raise AssertionError("the interview never finished")

    report = page.get_by_test_id("report")
    await expect(report).to_be_visible()
    await expect(page.get_by_test_id("report-score")).to_have_text(re.compile(r"\d"))
    assert (await page.get_by_test_id("report-summary").inner_text()).strip()
    await expect(page.get_by_test_id("phase")).to_have_attribute("data-phase", "finished")
    await expect(page.get_by_role("button", name="Start answering")).to_be_hidden()
    await all_sent(page)
    await page.screenshot(path=str(screenshots / "room-finished.png"), full_page=True)

    # What the server stored.
    document = await interview(page, interview_id)
    assert document["phase"] == "finished"
    assert document["status"] == "finished"
    assert document["score"] is not None
    assert any(FIRST_ANSWER in answer["transcript"] for answer in document["answers"])
    log = await events(page, interview_id)
    sent = transcripts(log)
    assert len(sent) == answered
    assert all(d["src"] == "typed" and d["final"] is True for d in sent)
    assert [d["text"] for d in sent].count(FIRST_ANSWER) == 1
    assert len({d["seg"] for d in sent}) == len(sent)
    assert [e for e in log if e["t"] == "report"], "no report in the log"
    assert [e["d"]["phase"] for e in log if e["t"] == "phase"][-1] == "finished"
    chunks = [e["d"]["chunk"] for e in log if e["t"] == "audio"]
    assert chunks == list(range(len(chunks)))

    await page.get_by_test_id("back-to-interview").click()
    await page.wait_for_url(f"**/interviews/{interview_id}")
    await expect(page.get_by_test_id("enter-room")).to_contain_text("Open the interview room")


async def test_streamed_question_text_is_replaced_by_the_logged_question(page: Any) -> None:
    """The server's frames to the page are held back at the first logged ``question`` so
    the streamed ``question.delta`` pieces can be seen on their own first."""
    release = asyncio.Event()
    pumps: list[asyncio.Task[None]] = []

    async def route(ws: Any) -> None:
        server = ws.connect_to_server()
        ws.on_message(lambda message: server.send(message))
        queue: asyncio.Queue[str | bytes] = asyncio.Queue()
        server.on_message(queue.put_nowait)

        async def pump() -> None:
            while True:
                message = await queue.get()
                if isinstance(message, bytes) and msgpack.unpackb(message).get("t") == "question":
                    await release.wait()
                ws.send(message)

        pumps.append(asyncio.create_task(pump()))

    await page.route_web_socket(re.compile(r"/ws/interviews/"), route)
    try:
        await sign_up(page)
        interview_id = await new_interview(page, questions=1)
        await open_room(page, interview_id)
        await page.get_by_role("button", name="Start interview").click()
        text = page.get_by_test_id("question-text")
        await expect(text).to_have_attribute("data-final", "false")
        await expect(text).to_have_class(re.compile("streaming"))
        await expect(page.locator("#question-label")).to_have_text("The interviewer is asking…")
        await expect(page.get_by_role("button", name="Start answering")).to_be_disabled()
        streamed = await text.inner_text()
        assert streamed.strip()

        release.set()
        await expect(text).to_have_attribute("data-final", "true")
        await expect(text).not_to_have_class(re.compile("streaming"))
        await expect(page.get_by_role("button", name="Start answering")).to_be_enabled()
        logged = (await interview(page, interview_id))["questions"][0]["text"]
        await expect(text).to_have_text(logged)
        assert logged.startswith(streamed.strip()[:20])
        await expect(page.locator("#question-announce")).to_contain_text(logged)
    finally:
        for task in pumps:
            task.cancel()


async def test_speech_answer_shows_interim_text_and_stores_the_final(page: Any, screenshots: Path) -> None:
    await page.add_init_script(
        """window.__speechScripts = [
          [
            {at: 100, index: 0, text: "I would start"},
            {at: 250, index: 0, text: "I would start by listening"},
            {at: 3500, index: 0, text: "I would start by listening to every stakeholder.", final: true},
            {at: 3700, index: 1, text: "Then"},
            {at: 3900, index: 1, text: "Then we agree on priorities.", final: true, end: true}
          ],
          [
            {at: 200, index: 0, text: FILLERS, final: true}
          ]
        ];""".replace("FILLERS", json.dumps(FILLER_ANSWER))
    )
    await page.add_init_script(FAKE_SPEECH)
    await sign_up(page)
    interview_id = await new_interview(page, questions=1)
    await open_room(page, interview_id)
    await start_interview(page)
    await page.get_by_role("button", name="Start answering").click()

    interim = page.locator("#transcript .seg-interim")
    await expect(interim).to_have_text("I would start by listening")
    await expect(page.get_by_test_id("speech-status")).to_have_text("Listening…")
    await page.screenshot(path=str(screenshots / "room-speech-interim.png"))
    interim_style = await interim.evaluate(
        "el => { const s = getComputedStyle(el); return [s.fontStyle, s.color, s.textDecorationLine]; }"
    )
    await expect(page.locator("#transcript .seg-final")).to_have_count(0)

    final = page.locator("#transcript .seg-final.seg-speech")
    await expect(final).to_have_count(3, timeout=10_000)
    await expect(interim).to_have_count(0)
    final_style = await final.first.evaluate(
        "el => { const s = getComputedStyle(el); return [s.fontStyle, s.color, s.textDecorationLine]; }"
    )
    assert interim_style[0] == "italic" and final_style[0] == "normal"
    assert interim_style != final_style
    # Chrome ended the first session (silence): the room started another one.
    assert await page.evaluate("window.__speechStarts") >= 2
    await all_sent(page)

    # The coach noticed the fillers: a nudge in the polite live region.
    feedback = page.get_by_test_id("feedback")
    assert await feedback.get_attribute("aria-live") == "polite"
    nudge = feedback.locator(".feedback-item[data-kind=filler]")
    await expect(nudge).to_be_visible()
    assert await nudge.get_attribute("data-level") in ("info", "warn")
    await page.screenshot(path=str(screenshots / "room-speech-feedback.png"))

    await page.get_by_role("button", name="Finish answer").click()
    await expect(page.get_by_test_id("analysis")).to_be_visible()
    await all_sent(page)

    log = await events(page, interview_id)
    sent = transcripts(log)
    assert all(d["src"] == "speech" for d in sent)
    finals = [d for d in sent if d["final"]]
    assert [d["text"] for d in finals] == [
        "I would start by listening to every stakeholder.",
        "Then we agree on priorities.",
        FILLER_ANSWER,
    ]
    assert len({d["seg"] for d in finals}) == 3
    assert all(d.get("conf") == 0.9 for d in finals)
    interims = [d for d in sent if not d["final"]]
    assert interims and all(d["seg"] == finals[0]["seg"] for d in interims if "start" in d["text"])
    answers = (await interview(page, interview_id))["answers"]
    assert "listening to every stakeholder" in answers[0]["transcript"]
    assert "communicate the trade-offs" in answers[0]["transcript"]
    assert any(e["d"]["kind"] == "filler" for e in log if e["t"] == "feedback")


async def test_narrow_screen_typing_reload_mid_answer_and_ending_early(page: Any, screenshots: Path) -> None:
    """Without speech recognition, on a phone-sized screen: typing starts the answer, a
    reload mid-answer resumes it from the log, and ending the interview early reports."""
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.add_init_script(NO_SPEECH)
    await sign_up(page)
    interview_id = await new_interview(page, questions=2)
    await open_room(page, interview_id)
    await start_interview(page)
    await expect(page.get_by_test_id("speech-status")).to_contain_text("not available in this browser")
    question = await page.get_by_test_id("question-text").inner_text()

    # Typing while the question is asked starts the answer by itself.
    await send_typed(page, "Part one of my answer.")
    await expect(page.get_by_test_id("phase")).to_have_attribute("data-phase", "answering")
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    await all_sent(page)

    await page.reload()
    await expect(page.get_by_test_id("connection")).to_have_attribute("data-state", "live")
    await expect(page.get_by_test_id("phase")).to_have_attribute("data-phase", "answering")
    await expect(page.get_by_test_id("question-text")).to_have_text(question)
    await expect(page.get_by_role("button", name="Finish answer")).to_be_enabled()
    await expect(page.locator("#answer-timer-value")).not_to_have_text("0:00")
    await send_typed(page, "Part two, after a reload.")
    await all_sent(page)

    finish = page.get_by_role("button", name="End interview")
    await finish.click()
    await page.get_by_role("button", name="Click again to end").click()
    await expect(page.get_by_test_id("report")).to_be_visible()
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    await page.screenshot(path=str(screenshots / "room-narrow-finished.png"), full_page=True)

    document = await interview(page, interview_id)
    assert document["phase"] == "finished" and document["score"] is not None
    transcript = document["answers"][0]["transcript"]
    assert "Part one of my answer." in transcript and "Part two, after a reload." in transcript
    assert transcript.index("Part one") < transcript.index("Part two")


@pytest.mark.parametrize(
    ("script", "starts", "message"),
    [
        ("[[{at: 50, error: 'not-allowed'}]]", 1, "not allowed"),
        ("[[{at: 50, error: 'network'}], [{at: 50, error: 'network'}], [{at: 50, error: 'network'}]]", 3, "keeps failing"),
    ],
    ids=["refused", "service-unreachable"],
)
async def test_failing_speech_and_microphone_say_so_and_leave_typing(
    page: Any, script: str, starts: int, message: str
) -> None:
    await page.add_init_script(f"window.__speechScripts = {script};")
    await page.add_init_script(FAKE_SPEECH)
    await page.add_init_script(
        "navigator.mediaDevices.getUserMedia = () =>"
        " Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));"
    )
    await sign_up(page)
    interview_id = await new_interview(page, questions=1)
    await open_room(page, interview_id)
    await start_interview(page)
    await page.get_by_role("button", name="Start answering").click()
    status = page.get_by_test_id("speech-status")
    await expect(status).to_contain_text(message)
    await expect(status).to_contain_text("Type your answer instead")
    await expect(page.get_by_test_id("mic-status")).to_contain_text("Microphone unavailable (permission was refused)")
    await expect(page.locator("#typed-answer")).to_be_enabled()
    await send_typed(page, SECOND_ANSWER)
    await page.get_by_role("button", name="Finish answer").click()
    await expect(page.get_by_test_id("analysis")).to_be_visible()
    assert await page.evaluate("window.__speechStarts") == starts
    assert (await interview(page, interview_id))["recordings"] == []


async def test_a_network_drop_mid_answer_loses_and_repeats_nothing(page: Any, screenshots: Path) -> None:
    """The socket is cut (and acknowledgements held back) while answering; what is typed
    meanwhile waits in the outbox and reaches the server exactly once after reconnecting."""
    network = {"offline": False, "hold_acks": False}
    routes: list[tuple[Any, Any]] = []

    def is_ack(message: str | bytes) -> bool:
        if not isinstance(message, bytes):
            return False
        frame = msgpack.unpackb(message, raw=False)
        return isinstance(frame, dict) and frame.get("t") == "ack"

    async def route(ws: Any) -> None:
        if network["offline"]:
            await ws.close(code=4000, reason="offline")
            return
        server = ws.connect_to_server()
        ws.on_message(lambda message: server.send(message))

        def to_page(message: str | bytes) -> None:
            if not (network["hold_acks"] and is_ack(message)):
                ws.send(message)

        server.on_message(to_page)
        routes.append((ws, server))

    await page.route_web_socket(re.compile(r"/ws/interviews/"), route)
    await page.set_viewport_size({"width": 1280, "height": 720})
    await page.add_init_script(NO_SPEECH)
    await sign_up(page)
    interview_id = await new_interview(page, questions=1)
    await open_room(page, interview_id)
    await start_interview(page)
    await page.get_by_role("button", name="Start answering").click()
    await expect(page.get_by_test_id("phase")).to_have_attribute("data-phase", "answering")
    await send_typed(page, "Before the drop.")
    await all_sent(page)

    # Stored but not acknowledged, then the connection goes.
    network["hold_acks"] = True
    await send_typed(page, "Sent just before the drop.")
    connection = page.get_by_test_id("connection")
    await expect(connection).to_have_attribute("data-unsent", re.compile(r"^[1-9]\d*$"))
    await page.wait_for_timeout(300)
    network["offline"] = True
    await page.context.set_offline(True)
    for ws, server in routes:
        await ws.close(code=4000, reason="network down")
        await server.close()
    await expect(connection).to_have_attribute("data-state", re.compile("offline|reconnecting"))
    await expect(connection).to_contain_text("Offline")

    await send_typed(page, "Typed while offline.")
    # Both transcripts wait (with the microphone's audio chunks, recorded meanwhile).
    await expect(connection).to_contain_text(re.compile(r"Offline · \d+ unsent"))
    assert int(await connection.get_attribute("data-unsent")) >= 2
    await page.screenshot(path=str(screenshots / "room-offline.png"))

    network["offline"] = False
    network["hold_acks"] = False
    await page.context.set_offline(False)
    await expect(connection).to_have_attribute("data-state", "live", timeout=15_000)
    await all_sent(page)
    await send_typed(page, "After reconnecting.")
    await all_sent(page)
    await page.get_by_role("button", name="Finish answer").click()
    await expect(page.get_by_test_id("analysis")).to_be_visible()

    log = await events(page, interview_id)
    sent = transcripts(log)
    assert [d["text"] for d in sent] == [
        "Before the drop.",
        "Sent just before the drop.",
        "Typed while offline.",
        "After reconnecting.",
    ]
    assert all(d["src"] == "typed" and d["final"] for d in sent)
    answers = (await interview(page, interview_id))["answers"]
    assert answers[0]["transcript"].count("Typed while offline.") == 1
    assert len(routes) >= 2
    # The audio recorded across the outage is one gapless run of chunks.
    chunks = [e["d"]["chunk"] for e in log if e["t"] == "audio"]
    assert chunks == list(range(len(chunks)))
