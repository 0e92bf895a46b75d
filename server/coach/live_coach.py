"""The live coach: delivery nudges from the transcript and face streams of one interview.

Pure and synchronous: the caller feeds it events with the server's event time and sends on
whatever nudges come back. Nudges fire only during an answer; face messages are tracked
between answers too, so a face already out of view when an answer starts is known.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .face import FaceSample, FaceTrack
from .speech import SpeechTrack
from .thresholds import DEFAULT_THRESHOLDS, Thresholds, check_kind

Level = Literal["good", "info", "warn"]
NUDGE_KINDS = ("pace", "filler", "pause", "length", "eye_contact", "face_missing")


@dataclass(frozen=True, slots=True)
class AnswerTimeline:
    """When things happened in one spoken answer, for the report: the live pace (wpm over
    the pace window) sampled as words arrived, and each pause longer than ``pause_s``."""

    pace: tuple[tuple[int, float], ...] = ()
    # (start ms, length s) of each pause.
    pauses: tuple[tuple[int, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Nudge:
    kind: str
    level: Level
    message: str
    value: float | None = None


class _Gate:
    """Hysteresis for one nudge kind: fire when bad, then stay quiet until the state has
    been normal again and the cool-down has passed."""

    __slots__ = ("flagged", "last_fired_ms")

    def __init__(self) -> None:
        self.flagged = False
        self.last_fired_ms: int | None = None

    def fire(self, now_ms: int, bad: bool, normal: bool, cooldown_ms: float) -> bool:
        if self.flagged:
            if normal:
                self.flagged = False
            return False
        if not bad or (
            self.last_fired_ms is not None and now_ms - self.last_fired_ms < cooldown_ms
        ):
            return False
        self.flagged = True
        self.last_fired_ms = now_ms
        return True


class LiveCoach:
    def __init__(
        self, thresholds: Thresholds = DEFAULT_THRESHOLDS, *, interview_kind: str = "mixed"
    ) -> None:
        check_kind(interview_kind)
        self._t = thresholds
        self._kind = interview_kind
        self._cooldown_ms = thresholds.cooldown_s * 1000
        self._face = FaceTrack(thresholds)
        # The current answer's, or the last one's until the next starts.
        self._speech: SpeechTrack | None = None
        self._start_ms = 0
        self._end_ms: int | None = None
        self._limit_ms = 0.0
        # Cool-downs outlive an answer; flags and positive feedback do not.
        self._gates = {kind: _Gate() for kind in NUDGE_KINDS}
        self._good_since: dict[str, int | None] = {"pace": None, "eye_contact": None}
        self._good_given: set[str] = set()
        self._now = 0

    @property
    def answering(self) -> bool:
        return self._speech is not None and self._end_ms is None

    def answer_started(self, now_ms: int, *, kind: str | None = None) -> list[Nudge]:
        """Start judging an answer; ``kind`` (technical/behavioral) overrides the
        interview's kind for its length limit."""
        now = self._clock(now_ms)
        if self.answering:
            self.answer_ended(now)
        self._limit_ms = self._t.answer_max_s(kind or self._kind) * 1000
        self._speech = SpeechTrack(self._t)
        self._start_ms = now
        self._end_ms = None
        self._face.begin_answer(now)
        for gate in self._gates.values():
            gate.flagged = False
        self._good_since = dict.fromkeys(self._good_since)
        self._good_given.clear()
        return []

    def answer_ended(self, now_ms: int) -> list[Nudge]:
        """Stop judging; :meth:`metrics` keeps describing this answer until the next one."""
        now = self._clock(now_ms)
        if self.answering:
            self._end_ms = now
            self._face.end_answer(now)
        return []

    def transcript(
        self, now_ms: int, seg: int, text: str, final: bool, *, spoken: bool = True
    ) -> list[Nudge]:
        """A transcript message; ``spoken=False`` for typed text, which has no pace."""
        now = self._clock(now_ms)
        if self._speech is None or not self.answering:
            return []
        self._speech.update(now, seg, text, final, spoken)
        return self._evaluate(now)

    def face(self, now_ms: int, frames: Sequence[FaceSample]) -> list[Nudge]:
        now = self._clock(now_ms)
        self._face.add(now, frames)
        return self._evaluate(now) if self.answering else []

    def tick(self, now_ms: int) -> list[Nudge]:
        """Time-driven checks (pause, length, face missing); call about once a second."""
        now = self._clock(now_ms)
        return self._evaluate(now) if self.answering else []

    def metrics(self, now_ms: int) -> dict[str, float]:
        """The current (or last) answer's delivery summary; empty before the first."""
        speech = self._speech
        if speech is None:
            return {}
        end = self._end_ms if self._end_ms is not None else max(now_ms, self._now)
        words = speech.words
        out: dict[str, float] = {
            "words": float(words),
            "duration_s": _r((end - self._start_ms) / 1000),
            "fillers": float(speech.fillers),
            "fillers_per_100": _r(speech.fillers * 100 / words if words else 0.0),
        }
        if not speech.typed:
            wpm = speech.answer_wpm()
            if wpm is not None:
                out["wpm"] = _r(wpm)
            out["longest_pause_s"] = _r(speech.longest_gap_ms / 1000)
        face = self._face
        if face.answer_eye_n >= self._t.eye_min_frames:
            out["eye_contact_share"] = _r(face.answer_eye_sum / face.answer_eye_n)
        missing = face.answer_missing_s(end)
        if missing is not None:
            out["face_missing_s"] = _r(missing)
        return out

    def timeline(self) -> AnswerTimeline:
        """The current (or last) answer's pace over time and long pauses; empty for a typed
        answer, which has neither."""
        speech = self._speech
        if speech is None or speech.typed:
            return AnswerTimeline()
        return AnswerTimeline(
            pace=tuple(speech.pace_points),
            pauses=tuple((start, _r(gap / 1000)) for start, gap in speech.pauses),
        )

    def _clock(self, now_ms: int) -> int:
        # Event times from different sources may interleave slightly out of order.
        self._now = max(self._now, now_ms)
        return self._now

    def _evaluate(self, now: int) -> list[Nudge]:
        t = self._t
        speech, face = self._speech, self._face
        assert speech is not None
        out: list[Nudge] = []
        silence = speech.silence_ms(now)
        speaking = silence is not None and silence <= t.pause_s * 1000

        wpm = None if speech.typed else speech.pace_wpm()
        bad = wpm is not None and speaking and not t.pace_slow_wpm <= wpm <= t.pace_fast_wpm
        margin = t.pace_clear_margin_wpm
        normal = wpm is not None and (t.pace_slow_wpm + margin <= wpm <= t.pace_fast_wpm - margin)
        if self._fire("pace", now, bad, normal) and wpm is not None:
            out.append(_pace_nudge(wpm, fast=wpm > t.pace_fast_wpm))

        rate = None if speech.typed else speech.fillers_per_100()
        bad = rate is not None and speaking and rate > t.filler_max_per_100
        normal = rate is not None and rate <= t.filler_max_per_100 - t.filler_clear_margin
        if self._fire("filler", now, bad, normal) and rate is not None:
            msg = f"Watch the filler words ({rate:.1f} per 100 words) — pause silently instead."
            out.append(Nudge("filler", "warn", msg, _r(rate)))

        bad = not speech.typed and silence is not None and not speaking
        if self._fire("pause", now, bad, speaking) and silence is not None:
            msg = "Long pause — take a breath and carry on, or wrap up if you're done."
            out.append(Nudge("pause", "info", msg, _r(silence / 1000)))

        elapsed = now - self._start_ms
        if self._fire("length", now, elapsed > self._limit_ms, False):
            minutes = f"{self._limit_ms / 60_000:g}"
            msg = f"You've been answering for over {minutes} min — start wrapping up."
            out.append(Nudge("length", "info", msg, _r(elapsed / 1000)))

        missing = face.missing_ms(now)
        bad = missing is not None and missing > t.face_missing_s * 1000
        normal = face.absent_since is None and not face.stale(now)
        if self._fire("face_missing", now, bad, normal) and missing is not None:
            msg = "We can't see your face — move back into the camera's view."
            out.append(Nudge("face_missing", "warn", msg, _r(missing / 1000)))

        share = face.eye_share(now)
        bad = share is not None and share < t.eye_contact_min_share
        normal = share is not None and (
            share >= t.eye_contact_min_share + t.eye_contact_clear_margin
        )
        if self._fire("eye_contact", now, bad, normal) and share is not None:
            msg = f"Try to look at the camera more ({share:.0%} eye contact just now)."
            out.append(Nudge("eye_contact", "info", msg, _r(share)))

        good_pace = (
            wpm is not None and speaking and (t.pace_good_min_wpm <= wpm <= t.pace_good_max_wpm)
        )
        if self._good("pace", now, good_pace) and wpm is not None:
            out.append(Nudge("pace", "good", f"Good pace ({wpm:.0f} wpm) — keep it up.", _r(wpm)))
        good_eye = share is not None and share >= t.eye_contact_good_share
        if self._good("eye_contact", now, good_eye) and share is not None:
            out.append(Nudge("eye_contact", "good", "Steady eye contact — nice.", _r(share)))
        return out

    def _fire(self, kind: str, now: int, bad: bool, normal: bool) -> bool:
        return self._gates[kind].fire(now, bad, normal, self._cooldown_ms)

    def _good(self, kind: str, now: int, good: bool) -> bool:
        """Whether positive feedback of ``kind`` is due: good throughout ``good_after_s``."""
        if not good:
            self._good_since[kind] = None
            return False
        since = self._good_since[kind]
        if since is None:
            self._good_since[kind] = since = now
        if kind in self._good_given or now - since < self._t.good_after_s * 1000:
            return False
        self._good_given.add(kind)
        return True


def _pace_nudge(wpm: float, *, fast: bool) -> Nudge:
    if fast:
        msg = f"You're speaking fast ({wpm:.0f} wpm) — slow down a little."
    else:
        msg = f"You're speaking slowly ({wpm:.0f} wpm) — try to pick up the pace a bit."
    return Nudge("pace", "warn", msg, _r(wpm))


def _r(value: float) -> float:
    return round(value, 2)
