"""Gemini misbehaving in every way during one interview on a real server process: 429s, a
stream that stops midway, malformed JSON, a timeout. The interview goes on with the offline
interviewer, the breaker opens, and once Gemini is well and the breaker's reset time has
passed, Gemini answers again."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from protocol import Analysis, Feedback, State, Transcript
from tests.hub.peer import Api, Peer
from tests.hub.test_gemini_interview import env, gemini, phases
from tests.interviewer.fake_gemini import (
    FakeGemini, Reply, delayed, json_reply, malformed, rate_limited, stream_reply,
)
from tests.live_server import live_server

RESET_S = 1.0


def gemini_analysis() -> Reply:
    rubric = {name: 7 for name in ("coverage", "correctness", "depth", "clarity", "relevance")}
    return json_reply({"score": 7, "summary": "Gemini: late.", "strengths": ["Late."],
                       "improvements": ["Sooner."], "rubric": rubric})


async def answer(candidate: Peer, text: str) -> None:
    await candidate.send(State(action="answer_start"))
    await candidate.until(lambda p: phases(p)[-1:] == ["answering"])
    await candidate.send(Transcript(seg=len(candidate.events), text=text, final=True, src="typed"))
    analysed = sum(isinstance(e.message, Analysis) for e in candidate.events)
    await candidate.send(State(action="answer_end"))
    await candidate.until(lambda p: sum(isinstance(e.message, Analysis) for e in p.events) > analysed
                          and phases(p)[-1:] in (["asking"], ["finished"]), timeout=30)


async def test_every_gemini_fault_mid_interview_and_the_breaker_recovering(
    database_url: str, tmp_path: Path
) -> None:
    async with FakeGemini() as fake:
        fake.default = gemini
        # In the order the interview calls: the plan gets 429 three times (every retry);
        # the first question's stream stops after its first piece; the first analysis comes
        # after the timeout. Three failed calls in a row: the breaker opens, and the
        # follow-up decision and the next question are answered offline without a call.
        # After the reset time the trial call (the next analysis) succeeds, and the call
        # after it gets cut-off JSON, which the offline interviewer answers too.
        fake.script(
            rate_limited(), rate_limited(), rate_limited(),
            stream_reply(["Tell me how you would", " profile a slow service."], cut_after=1),
            delayed(gemini_analysis(), 5.0),
            gemini,
            malformed(),
        )
        settings = {**env(database_url, tmp_path, fake), "GEMINI_BREAKER_FAILURES": "3",
                    "GEMINI_BREAKER_RESET_S": str(RESET_S)}
        with live_server(settings, log=tmp_path / "server.log") as (url, _):
            api = Api(url)
            await api.sign_up()
            interview = await api.interview(questions=2)
            candidate = Peer(await api.ws_url(interview, "candidate"), "candidate")
            await candidate.connect()
            await candidate.send(State(action="start"))
            await candidate.until(lambda p: phases(p)[-1:] == ["asking"], timeout=30)
            await answer(candidate, "I measured heap growth, isolated the cache and verified the fix.")
            # The breaker is open: the follow-up decision and the next question made no call.
            assert len(fake.requests) == 3 + 1 + 1 and fake.pending == 2
            await asyncio.sleep(RESET_S * 1.5)  # the reset time passes
            while phases(candidate)[-1] != "finished":
                await answer(candidate, "I would add an index, measure again and watch p99.")
            assert fake.pending == 0, "every scripted fault was met"

            document: dict[str, Any] = (await api.http.get(f"/api/interviews/{interview}")).json()
            assert document["status"] == "finished"
            sources = [a["source"] for a in document["analyses"]]
            assert sources[0] == "local" and sources[-1] == "gemini", sources
            switches = [e.message for e in candidate.events
                        if isinstance(e.message, Feedback) and e.message.kind == "interviewer"]
            assert switches, "the switch to the offline interviewer is visible in the log"
            log = (tmp_path / "server.log").read_text()
            assert "circuit open after 3 consecutive failures" in log
            await candidate.close()
            await api.close()
