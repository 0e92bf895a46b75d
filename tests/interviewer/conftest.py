"""Fixtures shared by the Gemini tests: the loopback fake and a maker of interviewers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from server.interviewer.gemini import GeminiInterviewer
from server.interviewer.resilience import CircuitBreaker

from .fake_gemini import FakeGemini

Make = Callable[..., GeminiInterviewer]


@pytest.fixture
async def fake() -> AsyncIterator[FakeGemini]:
    async with FakeGemini() as server:
        yield server


@asynccontextmanager
async def gemini_maker(fake: FakeGemini, model: str, timeout_s: float) -> AsyncIterator[Make]:
    """Builds interviewers against ``fake`` (a private, forgiving breaker by default) and
    closes them all at the end."""
    made: list[GeminiInterviewer] = []

    def build(**kw: Any) -> GeminiInterviewer:
        kw.setdefault("breaker", CircuitBreaker(failure_threshold=100))
        kw.setdefault("timeout_s", timeout_s)
        interviewer = GeminiInterviewer("test-key", model, base_url=fake.base_url, **kw)
        made.append(interviewer)
        return interviewer

    try:
        yield build
    finally:
        for interviewer in made:
            await interviewer.aclose()
