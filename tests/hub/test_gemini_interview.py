"""An interview driven by Gemini (the loopback fake speaking its REST API) through a real
server process, and the switch to the offline interviewer when Gemini fails."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from protocol import Analysis, Feedback, Phase, Question, State, Transcript
from tests.hub.conftest import server_env
from tests.hub.peer import Api, Peer
from tests.interviewer.fake_gemini import FakeGemini, Reply, Request, json_reply, server_error, stream_reply
from tests.live_server import live_server

GEMINI_QUESTIONS = [
    "Walk me through how you would find a memory leak in a long-running service.",
    "How would you design the storage for an event log that must never lose a write?",
]


def gemini(request: Request) -> Reply:
    """Answers like Gemini would, by the response schema the SDK sent."""
    properties = request.config.get("responseSchema", {}).get("properties", {})
    if "questions" in properties:
        return json_reply({"questions": [
            {"text": text, "topic": f"gemini/{i}", "key_points": ["measure", "isolate", "verify"]}
            for i, text in enumerate(GEMINI_QUESTIONS)
        ]})
    if "ask" in properties:
        return json_reply({"ask": False, "text": "", "key_points": []})
    if "nudge" in properties:
        return json_reply({"nudge": False, "kind": "relevance", "level": "info", "message": ""})
    if "score" in properties:
        rubric = {name: 7 for name in properties["rubric"]["properties"]}
        return json_reply({"score": 7, "summary": "Gemini: a clear, measured answer.",
                           "strengths": ["Measured first."], "improvements": ["Quantify the result."],
                           "rubric": rubric})
    if set(properties) == {"summary"}:
        return json_reply({"summary": "Gemini: a solid interview overall."})
    if request.stream:
        text = next((q for q in GEMINI_QUESTIONS if q in request.prompt), "Tell me about it.")
        return stream_reply([text[: len(text) // 2], text[len(text) // 2:]])
    return server_error(500)


def phases(peer: Peer) -> list[str]:
    return [str(e.message.phase) for e in peer.events if isinstance(e.message, Phase)]


async def run_interview(url: str) -> tuple[Peer, Api, str]:
    api = Api(url)
    await api.sign_up()
    interview = await api.interview(questions=2)
    candidate = Peer(await api.ws_url(interview, "candidate"), "candidate")
    await candidate.connect()
    await candidate.send(State(action="start"))
    await candidate.until(lambda p: phases(p)[-1:] == ["asking"])
    for _ in range(6):  # two main questions, each perhaps with a follow-up
        await candidate.send(State(action="answer_start"))
        await candidate.until(lambda p: phases(p)[-1:] == ["answering"])
        await candidate.send(Transcript(seg=0, text="I measured heap growth, isolated the cache and verified the fix.", final=True, src="typed"))
        await candidate.send(State(action="answer_end"))
        await candidate.until(lambda p: phases(p)[-1:] in (["asking"], ["finished"]), timeout=20)
        if phases(candidate)[-1] == "finished":
            break
    await candidate.until(lambda p: phases(p)[-1:] == ["finished"], timeout=20)
    return candidate, api, interview


def env(database_url: str, root: Path, fake: FakeGemini) -> dict[str, str]:
    return {**server_env(database_url, root), "GEMINI_API_KEY": "test-key",
            "GEMINI_BASE_URL": fake.base_url, "GEMINI_TIMEOUT_S": "1.5"}


async def test_with_a_key_the_interview_runs_on_gemini(database_url: str, tmp_path: Path) -> None:
    async with FakeGemini() as fake:
        fake.default = gemini
        with live_server(env(database_url, tmp_path, fake), log=tmp_path / "server.log") as (url, _):
            candidate, api, interview = await run_interview(url)
            asked = [e.message.text for e in candidate.events if isinstance(e.message, Question)]
            assert [q.split("?")[0] for q in asked] == [q.split("?")[0] for q in GEMINI_QUESTIONS]
            analyses = [e.message for e in candidate.events if isinstance(e.message, Analysis)]
            assert analyses and all(a.summary.startswith("Gemini:") for a in analyses)
            document: dict[str, Any] = (await api.http.get(f"/api/interviews/{interview}")).json()
            assert {a["source"] for a in document["analyses"]} == {"gemini"}
            assert not [e for e in candidate.events if isinstance(e.message, Feedback) and e.message.kind == "interviewer"]
            await candidate.close()
            await api.close()
        assert any(r.method == "generateContent" for r in fake.requests)


async def test_when_gemini_fails_the_interview_continues_offline_and_says_so(
    database_url: str, tmp_path: Path
) -> None:
    async with FakeGemini() as fake:
        fake.default = server_error(500)
        with live_server(env(database_url, tmp_path, fake), log=tmp_path / "server.log") as (url, _):
            started = time.monotonic()
            candidate, api, interview = await run_interview(url)
            switches = [e.message for e in candidate.events
                        if isinstance(e.message, Feedback) and e.message.kind == "interviewer"]
            assert switches, "the switch to the offline interviewer must be visible"
            questions = [e.message for e in candidate.events if isinstance(e.message, Question)]
            assert len([q for q in questions if str(q.kind) == "main"]) == 2
            document: dict[str, Any] = (await api.http.get(f"/api/interviews/{interview}")).json()
            assert {a["source"] for a in document["analyses"]} == {"local"}
            assert document["status"] == "finished"
            # Each fallback happens within 2 s, so a whole 2-question interview stays quick.
            assert time.monotonic() - started < 20
            await candidate.close()
            await api.close()
        assert fake.requests, "Gemini was tried first"
