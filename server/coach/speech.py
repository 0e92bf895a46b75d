"""What one answer's transcript says about delivery: words, fillers and when words arrived.

A recogniser re-sends a segment's text as it refines it, so word timing is not in the
messages: words "arrive" when the answer's total word count rises above its previous
high-water mark. Speaking time runs on a clock that caps each silence at
``pace_gap_cap_s``, so a pause (a nudge of its own) does not read as slow speech.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from .fillers import count_fillers, tokens
from .thresholds import Thresholds

# The answer's pace curve keeps one point at most every 5 s: a 4-minute answer has at most 48.
PACE_SAMPLE_MS = 5_000


@dataclass(frozen=True, slots=True)
class Arrival:
    t_ms: int
    active_ms: float
    words_before: int
    words_after: int
    fillers_before: int
    fillers_after: int


@dataclass(frozen=True, slots=True)
class WindowCounts:
    words: int
    fillers: int
    # Rates leave out the window's first arrival when it has no earlier one: its words were
    # spoken before the clock can see them.
    rate_words: int
    active_ms: float


class Window:
    """The arrivals of the last ``span_ms`` before the latest one, plus the one just before
    them (the base the window's counts are taken from)."""

    def __init__(self, span_ms: float) -> None:
        self._span_ms = span_ms
        self._points: deque[Arrival] = deque()
        # The counts change only with an arrival; the coach reads them on every event.
        self._counts: WindowCounts | None = None

    def push(self, arrival: Arrival) -> None:
        points = self._points
        points.append(arrival)
        boundary = arrival.t_ms - self._span_ms
        while len(points) >= 2 and points[1].t_ms <= boundary:
            points.popleft()
        self._counts = None

    def counts(self) -> WindowCounts | None:
        if self._counts is None and self._points:
            self._counts = self._count()
        return self._counts

    def _count(self) -> WindowCounts:
        base, last = self._points[0], self._points[-1]
        inside = base.t_ms > last.t_ms - self._span_ms
        words_from = base.words_before if inside else base.words_after
        fillers_from = base.fillers_before if inside else base.fillers_after
        return WindowCounts(
            words=max(0, last.words_after - words_from),
            fillers=max(0, last.fillers_after - fillers_from),
            rate_words=max(0, last.words_after - base.words_after),
            active_ms=last.active_ms - base.active_ms,
        )


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    words: int
    fillers: int
    final: bool


class SpeechTrack:
    def __init__(self, thresholds: Thresholds) -> None:
        self._t = thresholds
        self._segments: dict[int, Segment] = {}
        self._pace = Window(thresholds.pace_window_s * 1000)
        self._filler = Window(thresholds.filler_window_s * 1000)
        self._gap_cap_ms = thresholds.pace_gap_cap_s * 1000
        self.words = 0
        self.fillers = 0
        self.high_water = 0
        self.first_words = 0
        self.first_ms: int | None = None
        self.last_ms: int | None = None
        self.active_ms = 0.0
        self.longest_gap_ms = 0
        self.typed = False
        # For the report: (time, windowed wpm) samples, and (start, length ms) of long pauses.
        self.pace_points: list[tuple[int, float]] = []
        self.pauses: list[tuple[int, int]] = []

    def update(self, now_ms: int, seg: int, text: str, final: bool, spoken: bool) -> bool:
        """Apply one transcript message; True when it brought new words."""
        old = self._segments.get(seg)
        if old is not None and (old.final or (old.text == text and not final)):
            return False
        if not spoken:
            self.typed = True
        words = tokens(text)
        new = Segment(text, len(words), count_fillers(words, self._t), final)
        self._segments[seg] = new
        fillers_before = self.fillers
        if old is not None:
            self.words -= old.words
            self.fillers -= old.fillers
        self.words += new.words
        self.fillers += new.fillers
        if self.words <= self.high_water:
            return False
        if self.last_ms is None:
            self.first_ms = now_ms
            self.first_words = self.words
        else:
            gap = now_ms - self.last_ms
            self.longest_gap_ms = max(self.longest_gap_ms, gap)
            self.active_ms += min(gap, self._gap_cap_ms)
            if gap > self._t.pause_s * 1000:
                self.pauses.append((self.last_ms, gap))
        arrival = Arrival(
            now_ms, self.active_ms, self.high_water, self.words, fillers_before, self.fillers
        )
        self._pace.push(arrival)
        self._filler.push(arrival)
        self.high_water = self.words
        self.last_ms = now_ms
        self._sample_pace(now_ms)
        return True

    def _sample_pace(self, now_ms: int) -> None:
        wpm = self.pace_wpm()
        points = self.pace_points
        if wpm is not None and (not points or now_ms - points[-1][0] >= PACE_SAMPLE_MS):
            points.append((now_ms, round(wpm, 1)))

    def pace_wpm(self) -> float | None:
        """Words per minute over the pace window, once it holds enough evidence."""
        counts = self._pace.counts()
        if (
            counts is None
            or counts.words < self._t.pace_min_words
            or counts.active_ms < self._t.pace_min_span_s * 1000
        ):
            return None
        return counts.rate_words * 60_000 / counts.active_ms

    def fillers_per_100(self) -> float | None:
        """Fillers per 100 words over the filler window, once it holds enough words."""
        counts = self._filler.counts()
        if counts is None or counts.words < self._t.filler_min_words:
            return None
        return counts.fillers * 100 / counts.words

    def answer_wpm(self) -> float | None:
        """Words per minute over the whole answer, on the same clock as the live pace."""
        if self.active_ms < 1000:
            return None
        return (self.high_water - self.first_words) * 60_000 / self.active_ms

    def silence_ms(self, now_ms: int) -> int | None:
        """How long since the last new word, once there has been one."""
        return None if self.last_ms is None else now_ms - self.last_ms
