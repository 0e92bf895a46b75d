"""Which interviewer runs an interview: Gemini when configured (falling back to the offline
interviewer on any failure, per call), else the offline interviewer."""

from __future__ import annotations

from typing import Any, Callable

from server.interviewer.base import Interviewer
from server.interviewer.simple import SimpleInterviewer
from server.settings import Settings


class InterviewerChoice:
    """Builds one interviewer per interview; ``on_switch`` hears of each fallback."""

    def __init__(self, settings: Settings) -> None:
        self.local = SimpleInterviewer()
        self._gemini: Any = None
        if settings.gemini_api_key or settings.gemini_base_url:
            from server.interviewer.gemini import GeminiInterviewer

            # One client and the process's circuit breaker, shared by every interview.
            self._gemini = GeminiInterviewer.from_settings(settings)

    @property
    def uses_gemini(self) -> bool:
        return self._gemini is not None

    def __call__(self, on_switch: Callable[[str], None]) -> Interviewer:
        if self._gemini is None:
            return self.local
        from server.interviewer.fallback import FallbackInterviewer

        return FallbackInterviewer(self._gemini.for_interview(), self.local, on_switch=on_switch)

    async def aclose(self) -> None:
        if self._gemini is not None:
            await self._gemini.aclose()


def interviewer_factory(settings: Settings) -> InterviewerChoice:
    return InterviewerChoice(settings)
