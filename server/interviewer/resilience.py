"""What keeps a remote interviewer from stalling an interview: typed errors, a circuit
breaker, retries with backoff and a token budget.

Nothing here knows about any vendor SDK: the Gemini interviewer maps its SDK's errors onto
these types, and :class:`~server.interviewer.fallback.FallbackInterviewer` reads their
``reason`` to say why it switched.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Literal, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


# ----- errors --------------------------------------------------------------------------


class InterviewerError(Exception):
    """A remote interviewer could not answer. ``reason`` is short, for logs and events."""

    reason: str = "error"

    def __init__(self, message: str = "", *, reason: str | None = None) -> None:
        super().__init__(message or reason or self.reason)
        if reason is not None:
            self.reason = reason


class InterviewerUnavailable(InterviewerError):
    """The service failed or could not be reached: a transport error, an HTTP error status,
    a timeout. Counts against the circuit breaker."""

    reason = "unavailable"

    def __init__(
        self, message: str = "", *, reason: str | None = None, status: int | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message, reason=reason)
        self.status = status
        self.retry_after_s = retry_after_s

    @property
    def retryable(self) -> bool:
        """Rate limited (429) or a server error (5xx): worth another attempt."""
        return self.status is not None and (self.status == 429 or 500 <= self.status <= 599)


class InterviewerTimeout(InterviewerUnavailable):
    reason = "timeout"


class CircuitOpen(InterviewerUnavailable):
    """Refused without calling: the service failed repeatedly and is resting."""

    reason = "circuit_open"


class BudgetExhausted(InterviewerError):
    """This interview has used its token budget; no further calls are made."""

    reason = "budget_exhausted"


class ModelOutputError(InterviewerError):
    """The model answered, but with output that cannot be used safely (not JSON, missing
    fields, scores on another scale, empty text, cut off)."""

    reason = "invalid_output"


class ContentBlocked(ModelOutputError):
    """The model gave no candidate: blocked for safety, or an empty answer."""

    reason = "blocked"


# ----- circuit breaker -------------------------------------------------------------------

BreakerState = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """closed → open after ``failure_threshold`` consecutive failures → half-open once
    ``reset_after_s`` have passed, letting one trial call through → closed when it
    succeeds (open again when it fails).

    While open, and while the half-open trial is in flight, :meth:`guard` raises
    :class:`CircuitOpen` at once. Only :class:`InterviewerUnavailable` errors count as
    failures; any other outcome shows the service answering and counts as a success;
    a cancelled call is no verdict at all. Thread-safe, so one breaker can be shared by a
    whole process.
    """

    def __init__(
        self, failure_threshold: int = 5, reset_after_s: float = 30.0,
        *, clock: Callable[[], float] = time.monotonic, name: str = "interviewer",
    ) -> None:
        if failure_threshold < 1 or reset_after_s < 0:
            raise ValueError("failure_threshold must be >= 1 and reset_after_s >= 0")
        self.failure_threshold = failure_threshold
        self.reset_after_s = reset_after_s
        self.name = name
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial = False

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._state()

    def _state(self) -> BreakerState:
        if self._opened_at is None:
            return "closed"
        if self._trial or self._clock() - self._opened_at >= self.reset_after_s:
            return "half_open"
        return "open"

    def acquire(self) -> None:
        """Permission for one call; raises :class:`CircuitOpen` when refused."""
        with self._lock:
            state = self._state()
            if state == "closed":
                return
            if state == "half_open" and not self._trial:
                self._trial = True
                log.info("%s circuit half-open: trying one call", self.name)
                return
        raise CircuitOpen(f"{self.name}: circuit open after repeated failures")

    def record_success(self) -> None:
        with self._lock:
            if self._opened_at is not None:
                log.info("%s circuit closed again", self.name)
            self._failures = 0
            self._opened_at = None
            self._trial = False

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._trial or (
                self._opened_at is None and self._failures >= self.failure_threshold
            ):
                log.warning("%s circuit open after %d consecutive failures",
                            self.name, self._failures)
                self._opened_at = self._clock()
            self._trial = False

    def release(self) -> None:
        """The call ended without a verdict (cancelled): free the half-open trial."""
        with self._lock:
            self._trial = False

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        """``with breaker.guard(): await call()`` — acquire, then record the outcome."""
        self.acquire()
        try:
            yield
        except InterviewerUnavailable:
            self.record_failure()
            raise
        except Exception:
            self.record_success()
            raise
        except BaseException:
            self.release()
            raise
        else:
            self.record_success()

    def reset(self) -> None:
        self.record_success()


_shared_breaker: CircuitBreaker | None = None


def shared_breaker() -> CircuitBreaker:
    """The process-wide breaker every Gemini interviewer uses unless given another."""
    global _shared_breaker
    if _shared_breaker is None:
        _shared_breaker = CircuitBreaker(name="gemini")
    return _shared_breaker


# ----- retries ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter for 429 and 5xx answers only.

    At most ``attempts`` calls in all; the n-th retry waits a random time between half and
    all of ``min(max_delay_s, base_delay_s * 2**n)`` (or the server's retry delay when it
    gives one). No retry starts once the next attempt would begin more than ``window_s``
    after the first, so a failing service hands over to the fallback quickly.
    """

    attempts: int = 3
    base_delay_s: float = 0.15
    max_delay_s: float = 0.8
    window_s: float = 1.5

    def delay(self, retry: int, rng: random.Random | None = None) -> float:
        ceiling = min(self.max_delay_s, self.base_delay_s * 2**retry)
        return ceiling * (0.5 + 0.5 * (rng or random).random())


NO_RETRIES = RetryPolicy(attempts=1)


async def with_retries(
    call: Callable[[], Awaitable[T]], policy: RetryPolicy, *, what: str = "call",
    rng: random.Random | None = None,
) -> T:
    """Run ``call``, retrying retryable :class:`InterviewerUnavailable` errors per
    ``policy``; any other error, or the last one, propagates."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    retry = 0
    while True:
        try:
            return await call()
        except InterviewerUnavailable as exc:
            if not exc.retryable or retry + 1 >= policy.attempts:
                raise
            delay = policy.delay(retry, rng)
            if exc.retry_after_s is not None:
                delay = max(delay, exc.retry_after_s)
            if loop.time() + delay - started > policy.window_s:
                raise
            log.info("%s: %s, retrying in %.2f s", what, exc.reason, delay)
            await asyncio.sleep(delay)
            retry += 1


# ----- token budget ----------------------------------------------------------------------


class TokenBudget:
    """Tokens one interview may spend; :meth:`check` raises :class:`BudgetExhausted` once
    they are used up. The call that crosses the limit still completes."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be positive")
        self.limit = limit
        self.used = 0

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    def check(self) -> None:
        if self.used >= self.limit:
            raise BudgetExhausted(f"token budget of {self.limit} used up ({self.used} tokens)")

    def charge(self, tokens: int) -> None:
        self.used += max(0, int(tokens))
