"""An interviewer that answers from a fallback whenever the primary fails.

:class:`FallbackInterviewer` calls the primary (Gemini) and, on any failure — a timeout, an
error status, the circuit breaker open, the token budget used up, unusable or blocked model
output, or any other exception — answers the same call from the fallback (the offline
interviewer). Cancellation is never a failure: it propagates and nothing else is called.

``on_switch(reason)`` is called once each time answering moves from the primary to the
fallback (not again while the fallback keeps answering; again after the primary has
answered in between), so the caller can log one visible event per switch.

Streaming ``ask()``: when the primary's stream fails before its first piece, the fallback's
pieces follow as if nothing happened. When it fails midway, the question starts again:
:data:`RESTART` is yielded, then the fallback's whole question. ``RESTART`` is an empty
string (harmless to a consumer that just joins or forwards pieces) of the type
:class:`Restart`, so a consumer that keeps the text drops what it has so far on seeing it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from server.observability import metrics

from .base import (
    AnswerAnalysis,
    CoachingHint,
    CodeAnswer,
    FinalReport,
    Interviewer,
    InterviewSpec,
    PlannedQuestion,
)
from .resilience import InterviewerError

T = TypeVar("T")

log = logging.getLogger(__name__)


class Restart(str):
    """A piece of ``ask()`` meaning: forget the pieces so far, the question starts again."""

    __slots__ = ()


RESTART = Restart("")


def reason_of(exc: BaseException) -> str:
    """A short reason for a failure, for logs and events."""
    if isinstance(exc, InterviewerError):
        return exc.reason
    if isinstance(exc, TimeoutError):
        return "timeout"
    return f"error ({type(exc).__name__})"


class FallbackInterviewer:
    def __init__(
        self, primary: Interviewer, fallback: Interviewer, *,
        on_switch: Callable[[str], None] | None = None,
    ) -> None:
        self.primary = primary
        self.fallback = fallback
        self.on_switch = on_switch
        self._primary_source = str(getattr(primary, "source", "primary"))
        self._fallback_source = str(getattr(fallback, "source", "local"))
        self._source = self._primary_source
        self.switches = 0
        self.last_reason: str | None = None

    @property
    def source(self) -> str:
        """Which interviewer answered the last call ("gemini" or "local"); the primary's
        before any call."""
        return self._source

    # ----- bookkeeping --------------------------------------------------------------------

    def _answered_by_primary(self) -> None:
        if self._source != self._primary_source:
            log.info("interviewer: %s answers again", self._primary_source)
        self._source = self._primary_source

    def _failed(self, what: str, exc: Exception) -> None:
        reason = reason_of(exc)
        self.last_reason = reason
        metrics.fallback(reason)
        log.warning("interviewer: %s %s failed (%s: %s); answering from %s", self._primary_source,
                    what, reason, exc, self._fallback_source)
        if self._source == self._fallback_source:
            return
        self._source = self._fallback_source
        self.switches += 1
        if self.on_switch is not None:
            try:
                self.on_switch(reason)
            except Exception:
                log.exception("interviewer: on_switch callback failed")

    async def _either(self, what: str, call: Callable[[Interviewer], Awaitable[T]]) -> T:
        """``call`` on the primary; on any failure, on the fallback instead."""
        try:
            result = await call(self.primary)
        except Exception as exc:  # noqa: BLE001 - any failure means: answer locally
            self._failed(what, exc)
            return await call(self.fallback)
        self._answered_by_primary()
        return result

    # ----- the Interviewer protocol -------------------------------------------------------

    async def plan_questions(
        self, spec: InterviewSpec, history: Sequence[str]
    ) -> list[PlannedQuestion]:
        """The primary's plan, topped up from the fallback's when it has fewer than
        ``spec.questions_total`` questions (or the fallback's plan when it fails)."""
        try:
            planned = list(await self.primary.plan_questions(spec, history))
        except Exception as exc:  # noqa: BLE001 - any failure means: answer locally
            self._failed("plan_questions", exc)
            return await self.fallback.plan_questions(spec, history)
        self._answered_by_primary()
        count = spec.questions_total
        if len(planned) < count:
            have = {_norm(q.text) for q in planned}
            extra = await self.fallback.plan_questions(
                spec, [*history, *(q.text for q in planned)])
            fresh = [q for q in extra if _norm(q.text) not in have]
            filler = (fresh + [q for q in extra if q not in fresh])[: count - len(planned)]
            log.info("interviewer: %s planned %d of %d questions, %s added %d",
                     self._primary_source, len(planned), count, self._fallback_source,
                     len(filler))
            planned += filler
        return planned[:count]

    async def ask(self, question: PlannedQuestion) -> AsyncIterator[str]:
        stream = aiter(self.primary.ask(question))
        said = False
        failure: Exception | None = None
        try:
            while True:
                try:
                    piece = await anext(stream)
                except StopAsyncIteration:
                    break
                except Exception as exc:  # noqa: BLE001 - any failure means: answer locally
                    failure = exc
                    break
                said = True
                yield piece
        finally:
            await _aclose(stream)
        if failure is None:
            self._answered_by_primary()
            return
        self._failed("ask", failure)
        if said:
            yield RESTART
        stream = aiter(self.fallback.ask(question))
        try:
            async for piece in stream:
                yield piece
        finally:
            await _aclose(stream)

    async def follow_up(self, question: PlannedQuestion, answer: str) -> PlannedQuestion | None:
        return await self._either("follow_up", lambda i: i.follow_up(question, answer))

    async def coach(
        self, question: PlannedQuestion, partial_answer: str, metrics: Mapping[str, float]
    ) -> CoachingHint | None:
        return await self._either("coach", lambda i: i.coach(question, partial_answer, metrics))

    async def analyze(
        self, question: PlannedQuestion, answer: str, metrics: Mapping[str, float],
        *, code: CodeAnswer | None = None,
    ) -> AnswerAnalysis:
        """The analysis, marked with who produced it: other calls of the same interview run
        meanwhile, so ``source`` may name another call's interviewer by the time it returns."""

        def call(interviewer: Interviewer) -> Awaitable[AnswerAnalysis]:
            if code is None:
                return interviewer.analyze(question, answer, metrics)
            return interviewer.analyze(question, answer, metrics, code=code)

        try:
            result = await call(self.primary)
        except Exception as exc:  # noqa: BLE001 - any failure means: answer locally
            self._failed("analyze", exc)
            return replace(await call(self.fallback), source=self._fallback_source)
        self._answered_by_primary()
        return replace(result, source=self._primary_source)

    async def report(
        self, spec: InterviewSpec, results: Sequence[tuple[PlannedQuestion, AnswerAnalysis]]
    ) -> FinalReport:
        return await self._either("report", lambda i: i.report(spec, results))


async def _aclose(stream: Any) -> None:
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        await aclose()


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())
