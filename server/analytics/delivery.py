"""Delivery of answers (pace, fillers, eye contact, pauses, talk time) and how answers add up.

Rates are combined so that a long answer counts for more than a short one: pace and eye
contact are weighted by the answer's talk time, fillers per 100 words are taken over all
the words together.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from server.coach import DEFAULT_THRESHOLDS

# The pace the live coach leaves alone; reports draw it as a band.
PACE_BAND_WPM = (DEFAULT_THRESHOLDS.pace_slow_wpm, DEFAULT_THRESHOLDS.pace_fast_wpm)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One answer's delivery, as the live coach measured it."""

    words: int
    fillers: int
    duration_s: float
    wpm: float | None = None
    eye_contact_share: float | None = None
    pauses: int = 0
    longest_pause_s: float | None = None
    face_missing_s: float | None = None

    @property
    def fillers_per_100(self) -> float | None:
        return round(self.fillers * 100 / self.words, 2) if self.words else None

    def document(self) -> dict[str, Any]:
        return {**asdict(self), "fillers_per_100": self.fillers_per_100}


@dataclass(frozen=True, slots=True)
class DeliverySummary:
    """Several answers' delivery together."""

    answers: int
    talk_s: float
    words: int
    fillers: int
    wpm: float | None
    fillers_per_100: float | None
    eye_contact_share: float | None
    pauses: int
    longest_pause_s: float | None

    def document(self) -> dict[str, Any]:
        return asdict(self)


def weighted_mean(pairs: Sequence[tuple[float, float]]) -> float | None:
    """The mean of ``(value, weight)`` pairs; a plain mean when every weight is zero."""
    if not pairs:
        return None
    total = sum(weight for _, weight in pairs)
    if total <= 0:
        return sum(value for value, _ in pairs) / len(pairs)
    return sum(value * weight for value, weight in pairs) / total


def summarize(deliveries: Iterable[Delivery]) -> DeliverySummary:
    items = list(deliveries)
    words = sum(d.words for d in items)
    fillers = sum(d.fillers for d in items)
    wpm = weighted_mean([(d.wpm, d.duration_s) for d in items if d.wpm is not None])
    eye = weighted_mean(
        [(d.eye_contact_share, d.duration_s) for d in items if d.eye_contact_share is not None]
    )
    longest = [d.longest_pause_s for d in items if d.longest_pause_s is not None]
    return DeliverySummary(
        answers=len(items),
        talk_s=round(sum(d.duration_s for d in items), 2),
        words=words,
        fillers=fillers,
        wpm=_r(wpm),
        fillers_per_100=round(fillers * 100 / words, 2) if words else None,
        eye_contact_share=_r(eye, 3),
        pauses=sum(d.pauses for d in items),
        longest_pause_s=max(longest) if longest else None,
    )


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)
