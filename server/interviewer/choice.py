"""Which interviewer runs an interview: Gemini when a key is set (falling back to the
offline interviewer on any failure), else the offline interviewer."""

from __future__ import annotations

from typing import Callable

from server.interviewer.base import Interviewer
from server.interviewer.simple import SimpleInterviewer
from server.settings import Settings

Factory = Callable[[Callable[[str], None]], Interviewer]


def interviewer_factory(settings: Settings) -> Factory:
    def local(on_switch: Callable[[str], None]) -> Interviewer:
        return SimpleInterviewer()

    return local
