"""Timeouts, retries, the circuit breaker, the token budget, blocked output and
cancellation of the Gemini interviewer, against the loopback fake."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest

from server.interviewer import PlannedQuestion
from server.interviewer.resilience import (
    NO_RETRIES,
    BudgetExhausted,
    CircuitBreaker,
    CircuitOpen,
    ContentBlocked,
    InterviewerTimeout,
    InterviewerUnavailable,
    ModelOutputError,
    RetryPolicy,
    TokenBudget,
    with_retries,
)

from .conftest import Make, gemini_maker
from .fake_gemini import (
    FakeGemini,
    delayed,
    empty_candidates,
    error,
    json_reply,
    prompt_blocked,
    rate_limited,
    safety_block,
    server_error,
    stream_reply,
)

QUESTION = PlannedQuestion("How would you speed up a slow query?", "databases/indexing",
                           ("query plan", "index"))
ANSWER = "I would look at the query plan and add an index."
ANALYSIS = {"score": 6, "summary": "Fine.", "strengths": [], "improvements": [],
            "rubric": {"correctness": 6, "depth": 5, "clarity": 7}}
HINT = {"nudge": True, "kind": "specifics", "level": "info", "message": "Give an example."}

@pytest.fixture
async def make(fake: FakeGemini) -> AsyncIterator[Make]:
    async with gemini_maker(fake, "gemini-test", timeout_s=0.5) as build:
        yield build


async def timed(coro: Any) -> tuple[Any, float]:
    loop = asyncio.get_running_loop()
    start = loop.time()
    try:
        return await coro, loop.time() - start
    except Exception as exc:  # noqa: BLE001 - the error is the result
        return exc, loop.time() - start


# ----- retries ---------------------------------------------------------------------------


@pytest.mark.parametrize("fault", [rate_limited(), server_error(500), server_error(503)])
async def test_429_and_5xx_are_retried(fake: FakeGemini, make: Make, fault: Any) -> None:
    fake.script(fault, fault, json_reply(ANALYSIS))
    # A generous per-call timeout: this test is about retries, not timeouts.
    result, _ = await timed(make(timeout_s=3.0).analyze(QUESTION, ANSWER, {}))
    # Wall time is not asserted here (noisy on shared machines); the retry window that
    # bounds it is, in test_retries_are_bounded.
    assert result.score == 6
    assert len(fake.requests) == 3


async def test_retries_are_bounded(fake: FakeGemini, make: Make) -> None:
    fake.default = server_error(500)
    exc, took = await timed(make().analyze(QUESTION, ANSWER, {}))
    assert isinstance(exc, InterviewerUnavailable) and exc.status == 500
    assert exc.reason == "server_error (500)"
    assert len(fake.requests) == RetryPolicy().attempts


async def test_a_long_server_retry_delay_is_not_waited_for(fake: FakeGemini, make: Make) -> None:
    fake.default = rate_limited(retry_delay="30s")
    exc, took = await timed(make().analyze(QUESTION, ANSWER, {}))
    assert isinstance(exc, InterviewerUnavailable) and exc.reason == "rate_limited (429)"
    assert exc.retry_after_s == 30
    assert len(fake.requests) == 1  # 30 s were not waited for: no second request


@pytest.mark.parametrize("code,status", [(400, "INVALID_ARGUMENT"), (403, "PERMISSION_DENIED"),
                                         (404, "NOT_FOUND")])
async def test_other_client_errors_are_not_retried(
    fake: FakeGemini, make: Make, code: int, status: str
) -> None:
    fake.default = error(code, status)
    exc, _ = await timed(make().analyze(QUESTION, ANSWER, {}))
    assert isinstance(exc, InterviewerUnavailable) and exc.status == code
    assert len(fake.requests) == 1


async def test_retry_delays_grow_with_jitter_and_stay_in_the_window() -> None:
    policy = RetryPolicy(attempts=10, base_delay_s=0.1, max_delay_s=0.5, window_s=0.25)
    rng = random.Random(7)
    delays = [policy.delay(n, rng) for n in range(5)]
    assert all(0.5 * min(0.5, 0.1 * 2**n) <= d <= min(0.5, 0.1 * 2**n)
               for n, d in enumerate(delays))
    assert len(set(delays)) == 5
    calls = 0

    async def failing() -> None:
        nonlocal calls
        calls += 1
        raise InterviewerUnavailable(status=503)

    with pytest.raises(InterviewerUnavailable):
        await with_retries(failing, policy, rng=rng)
    assert 2 <= calls <= 3  # stopped by the 0.25 s window, not by the 10 attempts


# ----- timeouts -------------------------------------------------------------------------


async def test_a_slow_answer_times_out(fake: FakeGemini, make: Make) -> None:
    fake.script(delayed(json_reply(ANALYSIS), 5.0))
    exc, took = await timed(make(timeout_s=0.4).analyze(QUESTION, ANSWER, {}))
    assert isinstance(exc, InterviewerTimeout) and exc.reason == "timeout"
    assert took > 0.3  # it waited for the timeout, not less


async def test_a_slow_stream_times_out(fake: FakeGemini, make: Make) -> None:
    fake.script(stream_reply(["How ", "would ", "you ", "do it?"], chunk_delay_s=1.0))
    interviewer = make(timeout_s=0.4)
    pieces: list[str] = []
    loop = asyncio.get_running_loop()
    start = loop.time()
    with pytest.raises(InterviewerTimeout):
        async for piece in interviewer.ask(QUESTION):
            pieces.append(piece)
    assert loop.time() - start < 1.5
    assert len(pieces) <= 1


async def test_a_stream_that_stops_midway_fails(fake: FakeGemini, make: Make) -> None:
    fake.script(stream_reply(["Let's talk ", "about indexes. ", "How would you"], cut_after=2))
    pieces: list[str] = []
    with pytest.raises(InterviewerUnavailable) as caught:
        async for piece in make().ask(QUESTION):
            pieces.append(piece)
    assert "".join(pieces) == "Let's talk about indexes."
    assert caught.value.reason.startswith("transport")


async def test_a_stream_that_ends_unfinished_is_rejected(fake: FakeGemini, make: Make) -> None:
    fake.script(stream_reply(["Let's talk ", "about"], finish=None),
                stream_reply(["Let's talk ", "about"], finish="MAX_TOKENS"))
    interviewer = make()
    for _ in range(2):
        with pytest.raises(ModelOutputError) as caught:
            [p async for p in interviewer.ask(QUESTION)]
        assert caught.value.reason == "invalid_output: truncated"


async def test_a_stream_error_before_the_first_piece_is_retried(
    fake: FakeGemini, make: Make
) -> None:
    fake.script(rate_limited(), stream_reply(["How would you ", "do it?"]))
    assert "".join([p async for p in make().ask(QUESTION)]) == "How would you do it?"
    assert len(fake.requests) == 2


# ----- blocked and empty answers ------------------------------------------------------------


@pytest.mark.parametrize("reply,reason", [
    (safety_block(), "blocked (SAFETY)"),
    (prompt_blocked(), "blocked (SAFETY)"),
    (empty_candidates(), "empty_response"),
])
async def test_blocked_or_empty_answers_are_rejected(
    fake: FakeGemini, make: Make, reply: Any, reason: str
) -> None:
    fake.script(reply, reply)
    interviewer = make()
    with pytest.raises(ContentBlocked) as caught:
        await interviewer.analyze(QUESTION, ANSWER, {})
    assert caught.value.reason == reason
    with pytest.raises(ContentBlocked):
        [p async for p in interviewer.ask(QUESTION)]


# ----- circuit breaker ------------------------------------------------------------------------


async def test_the_breaker_opens_then_recovers_after_a_half_open_success(
    fake: FakeGemini, make: Make
) -> None:
    breaker = CircuitBreaker(failure_threshold=3, reset_after_s=0.3)
    interviewer = make(breaker=breaker, retry=NO_RETRIES)
    fake.script(*[server_error(503)] * 3)
    for _ in range(3):
        with pytest.raises(InterviewerUnavailable):
            await interviewer.analyze(QUESTION, ANSWER, {})
    assert breaker.state == "open"
    # Open: refused at once, nothing sent.
    for _ in range(5):
        with pytest.raises(CircuitOpen) as caught:
            await interviewer.coach(QUESTION, ANSWER, {})
        assert caught.value.reason == "circuit_open"
    assert len(fake.requests) == 3
    # Another interview shares the process's breaker.
    with pytest.raises(CircuitOpen):
        await interviewer.for_interview().analyze(QUESTION, ANSWER, {})

    await asyncio.sleep(0.35)
    assert breaker.state == "half_open"
    fake.script(json_reply(HINT))
    assert await interviewer.coach(QUESTION, ANSWER, {}) is not None
    assert breaker.state == "closed"


async def test_a_failed_half_open_trial_opens_the_breaker_again(
    fake: FakeGemini, make: Make
) -> None:
    breaker = CircuitBreaker(failure_threshold=1, reset_after_s=0.2)
    interviewer = make(breaker=breaker, retry=NO_RETRIES)
    fake.script(server_error(), server_error())
    with pytest.raises(InterviewerUnavailable):
        await interviewer.analyze(QUESTION, ANSWER, {})
    await asyncio.sleep(0.25)
    with pytest.raises(InterviewerUnavailable) as caught:
        await interviewer.analyze(QUESTION, ANSWER, {})
    assert not isinstance(caught.value, CircuitOpen)  # the trial went out, and failed
    assert breaker.state == "open" and len(fake.requests) == 2


async def test_only_one_trial_call_while_half_open(fake: FakeGemini, make: Make) -> None:
    breaker = CircuitBreaker(failure_threshold=1, reset_after_s=0.0)
    interviewer = make(breaker=breaker, retry=NO_RETRIES)
    breaker.record_failure()
    fake.script(delayed(json_reply(HINT), 0.2))
    trial = asyncio.create_task(interviewer.coach(QUESTION, ANSWER, {}))
    while not fake.requests:
        await asyncio.sleep(0.01)
    with pytest.raises(CircuitOpen):
        await interviewer.coach(QUESTION, ANSWER, {})
    assert await trial is not None
    assert breaker.state == "closed"


async def test_model_output_errors_do_not_trip_the_breaker(fake: FakeGemini, make: Make) -> None:
    breaker = CircuitBreaker(failure_threshold=1)
    fake.default = safety_block()
    interviewer = make(breaker=breaker)
    for _ in range(3):
        with pytest.raises(ContentBlocked):
            await interviewer.coach(QUESTION, ANSWER, {})
    assert breaker.state == "closed"


def test_breaker_states_with_a_clock() -> None:
    now = [100.0]
    breaker = CircuitBreaker(failure_threshold=2, reset_after_s=10, clock=lambda: now[0])
    breaker.acquire()
    breaker.record_failure()
    breaker.acquire()
    breaker.record_success()  # a success resets the count
    breaker.record_failure()
    assert breaker.state == "closed"
    breaker.record_failure()
    assert breaker.state == "open"
    with pytest.raises(CircuitOpen):
        breaker.acquire()
    now[0] += 10
    assert breaker.state == "half_open"
    breaker.acquire()  # the trial
    with pytest.raises(CircuitOpen):
        breaker.acquire()
    breaker.release()  # cancelled: no verdict, the next caller gets the trial
    breaker.acquire()
    breaker.record_failure()
    assert breaker.state == "open"
    now[0] += 10
    breaker.acquire()
    breaker.record_success()
    assert breaker.state == "closed"


# ----- token budget --------------------------------------------------------------------------


async def test_the_budget_stops_calls_once_used_up(fake: FakeGemini, make: Make) -> None:
    usage = {"promptTokenCount": 120, "candidatesTokenCount": 30, "totalTokenCount": 150}
    fake.default = json_reply(ANALYSIS, usage=usage)
    interviewer = make(token_budget=200)
    await interviewer.analyze(QUESTION, ANSWER, {})
    await interviewer.analyze(QUESTION, ANSWER, {})  # crosses the limit, still answered
    assert interviewer.budget.used == 300
    with pytest.raises(BudgetExhausted) as caught:
        await interviewer.analyze(QUESTION, ANSWER, {})
    with pytest.raises(BudgetExhausted):
        [p async for p in interviewer.ask(QUESTION)]
    assert caught.value.reason == "budget_exhausted"
    assert len(fake.requests) == 2
    # A new interview has a budget of its own.
    assert (await interviewer.for_interview().analyze(QUESTION, ANSWER, {})).score == 6


def test_budget_bookkeeping() -> None:
    budget = TokenBudget(10)
    budget.charge(4)
    budget.charge(-3)
    assert (budget.used, budget.remaining) == (4, 6)
    budget.check()
    budget.charge(6)
    with pytest.raises(BudgetExhausted):
        budget.check()
    with pytest.raises(ValueError):
        TokenBudget(0)


# ----- cancellation ---------------------------------------------------------------------------


async def test_cancelling_a_slow_coach_call_leaves_nothing_behind(
    fake: FakeGemini, make: Make
) -> None:
    breaker = CircuitBreaker(failure_threshold=1, reset_after_s=0.0)
    breaker.record_failure()  # half-open: the cancelled call holds the only trial
    interviewer = make(breaker=breaker, timeout_s=5.0)
    fake.script(delayed(json_reply(HINT), 3.0), json_reply(HINT))
    before = asyncio.all_tasks()
    call = asyncio.create_task(interviewer.coach(QUESTION, "a long partial answer", {}))
    while not fake.requests:
        await asyncio.sleep(0.01)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    await asyncio.sleep(0.05)
    leaked = asyncio.all_tasks() - before - fake.tasks
    assert leaked == set()
    # Cancelling is no verdict: the trial is free again, and the prompt was charged.
    assert breaker.state == "half_open"
    assert interviewer.budget.used > 0
    assert await interviewer.coach(QUESTION, "a long partial answer", {}) is not None
    assert breaker.state == "closed"


async def test_closing_a_stream_early_leaves_nothing_behind(fake: FakeGemini, make: Make) -> None:
    fake.script(stream_reply(["One ", "two ", "three ", "four."], chunk_delay_s=0.05))
    interviewer = make()
    before = asyncio.all_tasks()
    stream = interviewer.ask(QUESTION)
    assert await anext(stream) == "One"
    await stream.aclose()  # type: ignore[attr-defined]
    await asyncio.sleep(0.05)
    assert asyncio.all_tasks() - before - fake.tasks == set()
    assert interviewer.breaker.state == "closed"
