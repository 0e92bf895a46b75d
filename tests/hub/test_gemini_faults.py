"""Gemini misbehaving in every way during one interview on a real server process: 429s, a
stream that stops midway, 500s, a timeout, malformed JSON. The interview goes on with the
offline interviewer, the breaker opens, and once Gemini is well and the breaker's reset time
has passed, Gemini answers again.

After an answer the analysis, the follow-up decision and the next question's stream are
called side by side, so the faults are scripted per kind of call, not in one sequence."""

from __future__ import annotations

import asyncio
from collections import deque
from pathlib import Path
from typing import Any

from protocol import Analysis, Feedback, State, Transcript
from tests.hub.peer import Api, Peer
from tests.hub.test_gemini_interview import env, gemini, phases
from tests.interviewer.fake_gemini import (
    FakeGemini, Reply, Request, delayed, json_reply, malformed, rate_limited, server_error,
    stream_reply,
)
from tests.live_server import live_server

RESET_S = 4.0


def gemini_analysis() -> Reply:
    rubric = {name: 7 for name in ("coverage", "correctness", "depth", "clarity", "relevance")}
    return json_reply({"score": 7, "summary": "Gemini: late.", "strengths": ["Late."],
                       "improvements": ["Sooner."], "rubric": rubric})


def call_kind(request: Request) -> str:
    properties = request.config.get("responseSchema", {}).get("properties", {})
    for name, kind in (("questions", "plan"), ("ask", "follow_up"), ("score", "analyze"),
                       ("nudge", "coach")):
        if name in properties:
            return kind
    if set(properties) == {"summary"}:
        return "report"
    return "ask" if request.stream else "other"


class Faults:
    """Replies scripted per kind of call; a kind whose script is used up gets Gemini's."""

    def __init__(self, **scripts: list[Reply]) -> None:
        self.scripts = {kind: deque(replies) for kind, replies in scripts.items()}

    def __call__(self, request: Request) -> Reply:
        script = self.scripts.get(call_kind(request))
        return script.popleft() if script else gemini(request)

    @property
    def pending(self) -> dict[str, int]:
        return {kind: len(script) for kind, script in self.scripts.items() if script}


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
    # The plan gets 429 on every attempt, and the first question's stream stops after its
    # first piece: two failed calls. After the first answer, side by side: the follow-up
    # decision and the next question's stream get 500 on every attempt, and the analysis
    # comes after the timeout. The third failure opens the breaker. The report, once Gemini
    # is back, gets cut-off JSON, which the offline interviewer answers too.
    faults = Faults(
        plan=[rate_limited()] * 3,
        ask=[stream_reply(["Tell me how you would", " profile a slow service."], cut_after=1),
             *[server_error(500)] * 3],
        follow_up=[server_error(500)] * 3,
        analyze=[delayed(gemini_analysis(), 5.0)],
        report=[malformed()],
    )
    async with FakeGemini() as fake:
        fake.default = faults
        settings = {**env(database_url, tmp_path, fake), "GEMINI_BREAKER_FAILURES": "3",
                    "GEMINI_BREAKER_RESET_S": str(RESET_S)}
        with live_server(settings, log=tmp_path / "server.log") as (url, _):
            api = Api(url)
            await api.sign_up()
            # Four main questions: at least two answers after the breaker's reset time.
            interview = await api.interview(questions=4)
            candidate = Peer(await api.ws_url(interview, "candidate"), "candidate")
            await candidate.connect()
            await candidate.send(State(action="start"))
            await candidate.until(lambda p: phases(p)[-1:] == ["asking"], timeout=30)
            await answer(candidate, "I measured heap growth, isolated the cache and verified the fix.")
            assert faults.pending == {"report": 1}
            assert "circuit open after 3 consecutive failures" in (tmp_path / "server.log").read_text()
            calls = len(fake.requests)
            assert calls == 3 + 1 + 3 + 3 + 1
            # The breaker is open: the next answer is handled offline without a call.
            await answer(candidate, "I would add an index, measure again and watch p99.")
            assert len(fake.requests) == calls
            await asyncio.sleep(RESET_S)  # the reset time passes
            while phases(candidate)[-1] != "finished":
                await answer(candidate, "I would add an index, measure again and watch p99.")
            assert faults.pending == {}, "every scripted fault was met"

            document: dict[str, Any] = (await api.http.get(f"/api/interviews/{interview}")).json()
            assert document["status"] == "finished"
            sources = [a["source"] for a in document["analyses"]]
            assert sources[:2] == ["local", "local"] and sources[-1] == "gemini", sources
            switches = [e.message for e in candidate.events
                        if isinstance(e.message, Feedback) and e.message.kind == "interviewer"]
            assert switches, "the switch to the offline interviewer is visible in the log"
            await candidate.close()
            await api.close()
