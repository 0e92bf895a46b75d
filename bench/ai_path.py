"""AI-path overhead: from the candidate's ``answer_end`` to the first ``question.delta``.

A real server process runs the Gemini interviewer against the loopback fake Gemini (the
one the tests use), which answers every call after a fixed delay. After each answer the
server analyses it, asks whether to follow up and streams the next question (phrased while
the candidate answered, so its call is not in the interval). The overhead
is the time the candidate waits minus the fake's delays that lay on the critical path:
the longest chain of calls made in that interval, each sent after the one before it had
its answer (calls made side by side overlap their delays, so they count once). That is
what the engine adds: logging, state machine, SDK, HTTP, fan-out. The raw time to the
first delta and the number of calls made are reported beside it.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, replace
from typing import Any

from bench.common import RESULTS, engine_server
from server.loadtest.session import SENTENCES, Api, Candidate, Profile
from server.loadtest.stats import percentiles
from tests.interviewer.fake_gemini import FakeGemini, Reply, Request, json_reply, stream_reply


def _questions(count: int) -> list[str]:
    return [f"Question {i + 1}: how would you find what makes service number {i + 1} slow?"
            for i in range(count)]


class _Gemini:
    """Answers like Gemini by the response schema the SDK sent; notes each call's arrival."""

    def __init__(self, questions: list[str], delay_s: float) -> None:
        self.questions = questions
        self.delay_s = delay_s
        self.arrivals: list[float] = []

    def __call__(self, request: Request) -> Reply:
        self.arrivals.append(time.perf_counter())
        properties = request.config.get("responseSchema", {}).get("properties", {})
        if "questions" in properties:
            reply = json_reply({"questions": [
                {"text": text, "topic": f"bench/{i}", "key_points": ["measure", "profile"]}
                for i, text in enumerate(self.questions)]})
        elif "ask" in properties:
            reply = json_reply({"ask": False, "text": "", "key_points": []})
        elif "nudge" in properties:
            reply = json_reply({"nudge": False, "kind": "relevance", "level": "info",
                                "message": ""})
        elif "score" in properties:
            rubric = {name: 7 for name in properties["rubric"]["properties"]}
            reply = json_reply({"score": 7, "summary": "A measured answer.",
                                "strengths": ["Measured first."],
                                "improvements": ["Quantify the result."], "rubric": rubric})
        elif request.stream:
            text = next((q for q in self.questions if q in request.prompt), "Tell me more.")
            reply = stream_reply([text[: len(text) // 2], text[len(text) // 2:]])
        else:
            reply = json_reply({"summary": "A solid interview overall."})
        return replace(reply, delay_s=self.delay_s)


class _Timed(Candidate):
    """A candidate that notes when question pieces and phases arrive."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.first_delta: float | None = None
        self.changed = asyncio.Event()

    def on_control(self, frame: dict[str, Any]) -> None:
        super().on_control(frame)
        if frame.get("t") == "question.delta" and self.first_delta is None:
            self.first_delta = time.perf_counter()
            self.changed.set()

    def on_event(self, frame: dict[str, Any]) -> None:
        super().on_event(frame)
        if frame.get("t") == "phase":
            self.changed.set()

    async def until(self, check: Any, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while not check():
            self.changed.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"the interview did not move on (phase {self.phase})")
            try:
                await asyncio.wait_for(self.changed.wait(), remaining)
            except TimeoutError:
                pass


@dataclass(frozen=True)
class Sample:
    waited_ms: float  # answer_end sent to the first question.delta received
    calls: int  # Gemini calls answered in that interval
    critical: int  # of those, how many delays lay one after another

    def overhead_ms(self, delay_s: float) -> float:
        return self.waited_ms - self.critical * delay_s * 1000


def _critical_calls(arrivals: list[float], delay_s: float) -> int:
    """The longest chain of calls each of which arrived after the one before it was
    answered (``delay_s`` after its arrival)."""
    chain: list[int] = []
    for i, arrived in enumerate(arrivals):
        before = [chain[j] for j in range(i) if arrivals[j] + delay_s <= arrived]
        chain.append(1 + max(before, default=0))
    return max(chain, default=0)


async def _interview(base_url: str, gemini: _Gemini, questions: int) -> list[Sample]:
    api = Api(base_url)
    await api.sign_up("candidate")
    interview = await api.create_interview(questions)
    candidate = _Timed(api, interview, Profile())
    await candidate.start()
    samples: list[Sample] = []
    try:
        await candidate.send("state", {"action": "start"})
        for _ in range(questions):
            await candidate.until(lambda: candidate.phase in ("asking", "finished"))
            if candidate.phase == "finished":
                break
            await candidate.send("state", {"action": "answer_start"})
            await candidate.until(lambda: candidate.phase == "answering")
            # An answer long enough to be analysed (a short one is scored without a call).
            await candidate.send("transcript", {"seg": 0, "final": True, "src": "speech",
                                                "text": ". ".join(SENTENCES[:4])})
            candidate.first_delta = None
            calls_before = len(gemini.arrivals)
            sent = time.perf_counter()
            await candidate.send("state", {"action": "answer_end"})
            await candidate.until(lambda: candidate.first_delta is not None
                                  or candidate.phase == "finished")
            if candidate.first_delta is None:
                break  # the last answer: the interview finishes instead
            made = [t for t in gemini.arrivals[calls_before:]
                    if t + gemini.delay_s <= candidate.first_delta]
            waited = candidate.first_delta - sent
            samples.append(Sample(waited * 1000, len(made), _critical_calls(made, gemini.delay_s)))
    finally:
        await candidate.close()
        await api.close()
    return samples


async def _measure(url: str, questions: int, delay_s: float) -> dict[str, Any]:
    gemini = _Gemini(_questions(questions), delay_s)
    async with FakeGemini() as fake:
        fake.default = gemini
        with engine_server(url, GEMINI_API_KEY="bench-key", GEMINI_BASE_URL=fake.base_url,
                           GEMINI_TIMEOUT_S="10") as (base, _):
            samples = await _interview(base, gemini, questions)
    if not samples:
        raise RuntimeError("no answer reached the next question")
    return {"fake_delay_ms": delay_s * 1000, "answers": len(samples),
            "calls_per_answer": sorted({s.calls for s in samples}),
            "critical_calls_per_answer": sorted({s.critical for s in samples}),
            "overhead_ms": percentiles([s.overhead_ms(delay_s) for s in samples]),
            "to_first_delta_ms": percentiles([s.waited_ms for s in samples]),
            "samples_ms": [round(s.overhead_ms(delay_s), 2) for s in samples]}


def run(url: str, *, questions: int = 11, delay_s: float = 0.1) -> dict[str, Any]:
    """Overhead percentiles over ``questions - 1`` answers of one Gemini-driven interview."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    return asyncio.run(_measure(url, questions, delay_s))
