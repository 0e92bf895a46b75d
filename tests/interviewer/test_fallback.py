"""The fallback interviewer: Gemini (through the real SDK, against the loopback fake) with
the offline interviewer taking over within the same call on any failure."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import pytest

from server.interviewer import (
    Interviewer,
    InterviewSpec,
    SimpleInterviewer,
)
from server.interviewer.bank import load_bank
from server.interviewer.fallback import RESTART, FallbackInterviewer, Restart
from server.interviewer.gemini import GeminiInterviewer
from server.interviewer.resilience import NO_RETRIES, CircuitBreaker, ModelOutputError

from .fake_gemini import (
    FakeGemini,
    Reply,
    delayed,
    empty_candidates,
    error,
    json_reply,
    malformed,
    prompt_blocked,
    rate_limited,
    safety_block,
    server_error,
    stream_reply,
    text_reply,
)

SPEC = InterviewSpec("technical", "Backend engineer", "mid", 3)
# A question of the offline bank, so the offline interviewer knows it too.
QUESTION = load_bank().pool("technical", "mid")[0].planned("Backend engineer")
ANSWER = ("I would read the query plan with EXPLAIN, then add a b-tree index on the selective "
          "columns; indexes cost write overhead and storage.")
ANALYSIS = {"score": 6, "summary": "Gemini's view.", "strengths": [], "improvements": [],
            "rubric": {"correctness": 6, "depth": 5, "clarity": 7}}
TIMEOUT_S = 0.5


class Setup:
    def __init__(self, fake: FakeGemini) -> None:
        self.fake = fake
        self.switches: list[str] = []
        self.breaker = CircuitBreaker(failure_threshold=100)
        self.local = SimpleInterviewer()
        self.gemini: GeminiInterviewer | None = None

    def build(self, **kw: Any) -> FallbackInterviewer:
        kw.setdefault("breaker", self.breaker)
        kw.setdefault("timeout_s", TIMEOUT_S)
        self.gemini = GeminiInterviewer("test-key", "gemini-test", base_url=self.fake.base_url,
                                        **kw)
        return FallbackInterviewer(self.gemini, self.local, on_switch=self.switches.append)


@pytest.fixture
async def setup(fake: FakeGemini) -> AsyncIterator[Setup]:
    s = Setup(fake)
    yield s
    if s.gemini is not None:
        await s.gemini.aclose()


async def collect(stream: AsyncIterator[str]) -> list[str]:
    return [piece async for piece in stream]


def after_restart(pieces: Sequence[str]) -> str:
    """The question text as a consumer that honours RESTART keeps it."""
    text = ""
    for piece in pieces:
        text = "" if isinstance(piece, Restart) else text + piece
    return text


def test_it_is_an_interviewer() -> None:
    class Remote(SimpleInterviewer):
        source = "remote"

    fallback = FallbackInterviewer(Remote(), SimpleInterviewer())
    assert isinstance(fallback, Interviewer)
    assert fallback.source == "remote"  # the primary's, before any call


async def test_an_analysis_says_who_made_it_whatever_ran_meanwhile() -> None:
    """The interview asks for the follow-up while the analysis runs: a follow-up Gemini
    answers must not label the analysis the offline interviewer made as Gemini's."""
    analysing = asyncio.Event()
    finish = asyncio.Event()

    class Remote(SimpleInterviewer):
        source = "remote"

        async def analyze(self, *args: Any, **kw: Any) -> Any:
            raise TimeoutError

    class Local(SimpleInterviewer):
        async def analyze(self, *args: Any, **kw: Any) -> Any:
            analysing.set()
            await finish.wait()
            return await super().analyze(*args, **kw)

    interviewer = FallbackInterviewer(Remote(), Local())
    analysis = asyncio.create_task(interviewer.analyze(QUESTION, ANSWER, {}))
    await asyncio.wait_for(analysing.wait(), 5)
    await interviewer.follow_up(QUESTION, ANSWER)
    assert interviewer.source == "remote"  # the last call's
    finish.set()
    assert (await analysis).source == "local"
    assert (await interviewer.analyze(QUESTION, ANSWER, {})).source == "local"
    assert (await SimpleInterviewer().analyze(QUESTION, ANSWER, {})).source == ""


async def test_gemini_answers_when_it_can(setup: Setup) -> None:
    interviewer = setup.build()
    setup.fake.script(json_reply(ANALYSIS))
    result = await interviewer.analyze(QUESTION, ANSWER, {})
    assert result.summary == "Gemini's view." and result.source == "gemini"
    assert interviewer.source == "gemini" and setup.switches == []


FAULTS: dict[str, Callable[[], list[Reply]]] = {
    "429": lambda: [rate_limited()] * 3,
    "429 with a long retry delay": lambda: [rate_limited(retry_delay="60s")],
    "500": lambda: [server_error(500)] * 3,
    "503": lambda: [server_error(503)] * 3,
    "400": lambda: [error(400, "INVALID_ARGUMENT")],
    "slower than the timeout": lambda: [delayed(json_reply(ANALYSIS), 5.0)],
    "truncated JSON": lambda: [malformed()],
    "prose, not JSON": lambda: [text_reply("Seven out of ten.")],
    "missing fields": lambda: [json_reply({"score": 7})],
    "score on another scale": lambda: [json_reply({**ANALYSIS, "score": 14})],
    "empty text": lambda: [text_reply("")],
    "empty candidates": lambda: [empty_candidates()],
    "safety block": lambda: [safety_block()],
    "prompt blocked": lambda: [prompt_blocked()],
}


@pytest.mark.parametrize("fault", FAULTS, ids=list(FAULTS))
async def test_every_fault_is_answered_locally_in_time(setup: Setup, fault: str) -> None:
    interviewer = setup.build()
    setup.fake.script(*FAULTS[fault]())
    result = await interviewer.analyze(QUESTION, ANSWER, {})
    assert result == await setup.local.analyze(QUESTION, ANSWER, {})
    assert interviewer.source == "local"
    assert len(setup.switches) == 1 and setup.switches[0]
    assert setup.fake.pending == 0  # every scripted reply was used: no extra calls


async def test_the_reasons_say_what_went_wrong(setup: Setup) -> None:
    interviewer = setup.build()
    for replies, reason in [
        ([rate_limited()] * 3, "rate_limited (429)"),
        ([server_error(503)] * 3, "server_error (503)"),
        ([delayed(json_reply(ANALYSIS), 5.0)], "timeout"),
        ([malformed()], "invalid_output: truncated"),
        ([safety_block()], "blocked (SAFETY)"),
        ([empty_candidates()], "empty_response"),
    ]:
        setup.fake.script(*replies, json_reply(ANALYSIS))
        await interviewer.analyze(QUESTION, ANSWER, {})
        assert interviewer.last_reason == reason
        await interviewer.analyze(QUESTION, ANSWER, {})  # Gemini again: the next one switches
    assert len(setup.switches) == 6


async def test_each_operation_falls_back(setup: Setup) -> None:
    interviewer = setup.build(retry=NO_RETRIES)
    setup.fake.default = server_error(500)
    local = setup.local
    assert await interviewer.plan_questions(SPEC, ()) == await local.plan_questions(SPEC, ())
    vague = "I would make it faster somehow."
    assert (await interviewer.follow_up(QUESTION, vague)
            == await local.follow_up(QUESTION, vague))
    assert (await interviewer.coach(QUESTION, ANSWER, {"wpm": 200.0})
            == await local.coach(QUESTION, ANSWER, {"wpm": 200.0}))
    analysis = await interviewer.analyze(QUESTION, ANSWER, {})
    assert (await interviewer.report(SPEC, [(QUESTION, analysis)])
            == await local.report(SPEC, [(QUESTION, analysis)]))
    assert "".join(await collect(interviewer.ask(QUESTION))) == QUESTION.text
    assert interviewer.source == "local"
    assert setup.switches == ["server_error (500)"]  # once per switch, not per call


async def test_on_switch_is_called_again_after_gemini_answered(setup: Setup) -> None:
    interviewer = setup.build()
    setup.fake.script(server_error(400), json_reply(ANALYSIS), safety_block(), safety_block())
    for _ in range(4):
        await interviewer.analyze(QUESTION, ANSWER, {})
    assert setup.switches == ["client_error (400)", "blocked (SAFETY)"]
    assert interviewer.switches == 2 and interviewer.source == "local"


async def test_a_failing_on_switch_callback_does_not_break_the_call(setup: Setup) -> None:
    interviewer = setup.build()

    def broken(reason: str) -> None:
        raise RuntimeError("observer bug")

    interviewer.on_switch = broken
    setup.fake.script(server_error(400))
    assert (await interviewer.analyze(QUESTION, ANSWER, {})).answered


async def test_budget_exhaustion_falls_back_without_calling(setup: Setup) -> None:
    interviewer = setup.build(token_budget=100)
    usage = {"promptTokenCount": 100, "candidatesTokenCount": 20, "totalTokenCount": 120}
    setup.fake.default = json_reply(ANALYSIS, usage=usage)
    assert (await interviewer.analyze(QUESTION, ANSWER, {})).summary == "Gemini's view."
    local = await interviewer.analyze(QUESTION, ANSWER, {})
    assert local == await setup.local.analyze(QUESTION, ANSWER, {})
    assert setup.switches == ["budget_exhausted"]
    assert len(setup.fake.requests) == 1


async def test_the_breaker_opens_and_later_recovers(setup: Setup) -> None:
    breaker = CircuitBreaker(failure_threshold=3, reset_after_s=0.3)
    interviewer = setup.build(breaker=breaker, retry=NO_RETRIES)
    setup.fake.default = server_error(503)
    for _ in range(3):
        await interviewer.analyze(QUESTION, ANSWER, {})
    assert breaker.state == "open"
    sent = len(setup.fake.requests)
    # While open every call is answered locally at once, and nothing reaches the service.
    for _ in range(5):
        result = await interviewer.analyze(QUESTION, ANSWER, {})
        assert result.answered
    assert len(setup.fake.requests) == sent
    assert interviewer.last_reason == "circuit_open" and setup.switches == ["server_error (503)"]

    await asyncio.sleep(0.35)
    setup.fake.default = json_reply(ANALYSIS)
    assert (await interviewer.analyze(QUESTION, ANSWER, {})).summary == "Gemini's view."
    assert breaker.state == "closed" and interviewer.source == "gemini"


# ----- plans ------------------------------------------------------------------------------


async def test_a_short_gemini_plan_is_topped_up_locally(setup: Setup) -> None:
    interviewer = setup.build()
    setup.fake.script(json_reply({"questions": [
        {"text": "How would you design a job queue?", "topic": "system-design/queue",
         "key_points": ["durability"]},
    ]}))
    planned = await interviewer.plan_questions(SPEC, ["Some old question?"])
    assert len(planned) == SPEC.questions_total
    assert planned[0].text == "How would you design a job queue?"
    assert all(load_bank().by_topic(q.topic) is not None for q in planned[1:])
    assert len({q.text for q in planned}) == len(planned)
    assert interviewer.source == "gemini" and setup.switches == []


async def test_history_reaches_both_planners(setup: Setup) -> None:
    interviewer = setup.build()
    setup.fake.script(server_error(400))
    seen = (await setup.local.plan_questions(SPEC, ()))[0].text
    planned = await interviewer.plan_questions(SPEC, [seen])
    assert seen in setup.fake.requests[0].prompt
    assert seen not in [q.text for q in planned]


# ----- streamed questions ----------------------------------------------------------------


async def test_ask_streams_from_gemini(setup: Setup) -> None:
    interviewer = setup.build()
    setup.fake.script(stream_reply(["Let's turn to databases. ", "A query is slow: ",
                                    "how would you speed it up?"]))
    pieces = await collect(interviewer.ask(QUESTION))
    assert "".join(pieces) == "Let's turn to databases. A query is slow: how would you speed it up?"
    assert not any(isinstance(p, Restart) for p in pieces)
    assert interviewer.source == "gemini"


STREAM_FAULTS: dict[str, Callable[[], list[Reply]]] = {
    "cut midway": lambda: [stream_reply(["Let's turn ", "to databases. ", "A query"],
                                        cut_after=2)],
    "slow throughout": lambda: [stream_reply(["Let's ", "turn ", "to ", "databases. ", "A ",
                                              "query ", "is ", "slow."], chunk_delay_s=0.2)],
    "stalls midway": lambda: [stream_reply(["Let's turn ", "to databases. ", "A query"],
                                           pause_after=2, pause_s=5.0)],
    "ends unfinished": lambda: [stream_reply(["Let's turn ", "to databases."], finish=None)],
    "cut off by the token limit": lambda: [stream_reply(["Let's turn ", "to databases."],
                                                        finish="MAX_TOKENS")],
    "blocked midway": lambda: [stream_reply(["Let's turn ", "to"], finish="SAFETY")],
}


@pytest.mark.parametrize("fault", STREAM_FAULTS, ids=list(STREAM_FAULTS))
async def test_a_stream_failing_midway_restarts_from_the_local_question(
    setup: Setup, fault: str
) -> None:
    interviewer = setup.build()
    setup.fake.script(*STREAM_FAULTS[fault]())
    pieces = await collect(interviewer.ask(QUESTION))
    restarts = [i for i, p in enumerate(pieces) if isinstance(p, Restart)]
    assert len(restarts) == 1 and restarts[0] >= 1  # Gemini had said something first
    assert pieces[restarts[0]] is RESTART and RESTART == ""  # invisible when just joined
    assert after_restart(pieces) == QUESTION.text
    assert "".join(pieces[restarts[0] + 1:]) == QUESTION.text
    assert interviewer.source == "local" and len(setup.switches) == 1


@pytest.mark.parametrize("replies", [
    [rate_limited()] * 3, [server_error(500)] * 3, [delayed(stream_reply(["Hi"]), 5.0)],
    [empty_candidates()], [safety_block()], [prompt_blocked()],
], ids=["429", "500", "timeout", "empty", "safety", "prompt-blocked"])
async def test_a_stream_failing_before_its_first_piece_needs_no_restart(
    setup: Setup, replies: list[Reply]
) -> None:
    interviewer = setup.build()
    setup.fake.script(*replies)
    pieces = await collect(interviewer.ask(QUESTION))
    assert not any(isinstance(p, Restart) for p in pieces)
    assert "".join(pieces) == QUESTION.text
    assert interviewer.source == "local" and len(setup.switches) == 1


# ----- cancellation -------------------------------------------------------------------------


async def test_cancelling_a_slow_coach_falls_back_to_nothing_and_leaks_nothing(
    setup: Setup
) -> None:
    interviewer = setup.build(timeout_s=5.0)
    setup.fake.script(delayed(json_reply({"nudge": False, "kind": "pace", "level": "info",
                                          "message": ""}), 3.0))
    before = asyncio.all_tasks()
    call = asyncio.create_task(interviewer.coach(QUESTION, ANSWER, {}))
    while not setup.fake.requests:
        await asyncio.sleep(0.01)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    await asyncio.sleep(0.05)
    assert asyncio.all_tasks() - before - setup.fake.tasks == set()
    assert setup.switches == [] and interviewer.source == "gemini"
    assert setup.breaker.state == "closed"


async def test_abandoning_a_question_stream_closes_both_sides(setup: Setup) -> None:
    interviewer = setup.build()
    setup.fake.script(stream_reply(["One ", "two ", "three."], cut_after=1))
    before = asyncio.all_tasks()
    stream = interviewer.ask(QUESTION)
    assert await anext(stream) == "One"
    assert isinstance(await anext(stream), Restart)
    await stream.aclose()  # type: ignore[attr-defined]
    await asyncio.sleep(0.05)
    assert asyncio.all_tasks() - before - setup.fake.tasks == set()


async def test_the_fallback_failing_too_propagates(setup: Setup) -> None:
    class Broken(SimpleInterviewer):
        async def analyze(self, *args: Any) -> Any:
            raise ModelOutputError("also broken")

    interviewer = FallbackInterviewer(setup.build().primary, Broken())
    setup.fake.script(server_error(400))
    with pytest.raises(ModelOutputError):
        await interviewer.analyze(QUESTION, ANSWER, {})
