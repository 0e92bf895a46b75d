"""Scripted streams in stream time: events are queued with their times, then replayed in
order against a coach with a tick every second, collecting the nudges and when they fired."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from server.coach import FaceSample, LiveCoach, Nudge

Event = Callable[[LiveCoach, int], list[Nudge]]
# fmt: off
CLEAN_SENTENCE = [
    "in", "my", "last", "role", "I", "owned", "the", "billing", "service", "and", "I", "moved",
    "it", "to", "a", "queue", "based", "design", "so", "that", "retries", "were", "safe", "and",
    "the", "team", "could", "deploy", "without", "downtime",
]
# fmt: on


@dataclass(frozen=True)
class Fired:
    t_ms: int
    nudge: Nudge


@dataclass
class Stream:
    coach: LiveCoach = field(default_factory=LiveCoach)
    _events: list[tuple[int, int, Event]] = field(default_factory=list)
    _order: itertools.count[int] = field(default_factory=itertools.count)
    _seg: int = 0

    def at(self, t_ms: int, event: Event) -> None:
        self._events.append((t_ms, next(self._order), event))

    def start(self, t_ms: int = 0, kind: str | None = None) -> None:
        self.at(t_ms, lambda c, t: c.answer_started(t, kind=kind))

    def end(self, t_ms: int) -> None:
        self.at(t_ms, lambda c, t: c.answer_ended(t))

    def say(self, t_ms: int, seg: int, text: str, final: bool = False) -> None:
        self.at(t_ms, _transcript(seg, text, final))

    def speak(
        self, start_ms: float, words: Sequence[str], wpm: float, *, seg_words: int = 12
    ) -> float:
        """Say ``words`` at ``wpm``, one interim result per word and a final one closing
        each segment of ``seg_words``; the first word is heard one word-time after
        ``start_ms``. Returns the time of the last word."""
        step = 60_000 / wpm
        t = start_ms
        for first in range(0, len(words), seg_words):
            seg, chunk = self._seg, words[first : first + seg_words]
            self._seg += 1
            for i in range(len(chunk)):
                t += step
                text = " ".join(chunk[: i + 1])
                final = i == len(chunk) - 1
                self.at(round(t), _transcript(seg, text, final))
        return t

    def faces(
        self,
        start_ms: int,
        end_ms: int,
        *,
        present: bool = True,
        eye: float | None = 0.9,
        every_ms: int = 1000,
        per_batch: int = 10,
    ) -> None:
        """A batch of ``per_batch`` frames every ``every_ms`` in (start_ms, end_ms]."""
        frames = [FaceSample(present, eye if present else None)] * per_batch
        for t in range(start_ms + every_ms, end_ms + 1, every_ms):
            self.at(t, lambda c, now: c.face(now, frames))

    def run(self, until_ms: int, *, tick_ms: int = 1000) -> list[Fired]:
        for t in range(0, until_ms + 1, tick_ms):
            self.at(t, lambda c, now: c.tick(now))
        fired: list[Fired] = []
        for t, _, event in sorted(self._events, key=lambda e: (e[0], e[1])):
            if t > until_ms:
                break
            fired.extend(Fired(t, n) for n in event(self.coach, t))
        self._events.clear()
        return fired


def _transcript(seg: int, text: str, final: bool) -> Event:
    return lambda c, t: c.transcript(t, seg, text, final)


def words(n: int, source: Sequence[str] = CLEAN_SENTENCE) -> list[str]:
    return [source[i % len(source)] for i in range(n)]


def of_kind(fired: Sequence[Fired], kind: str, level: str | None = None) -> list[Fired]:
    return [f for f in fired if f.nudge.kind == kind and (level is None or f.nudge.level == level)]


def problems(fired: Sequence[Fired]) -> list[Fired]:
    return [f for f in fired if f.nudge.level != "good"]
