"""Every number and word list the live coach judges by, with where it comes from.

The values are deliberately lenient: a nudge interrupts the candidate, so each one fires
only when the evidence is clear, once, and not again until the behaviour has returned to
normal and a cool-down has passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

KINDS: Final = ("technical", "behavioral", "mixed")

# Hesitation sounds; matched after squeezing repeated letters ("ummm" -> "um").
FILLER_SOUNDS: Final = frozenset({"um", "uhm", "uh", "er", "erm", "ah", "hm"})
# Words that are fillers in speech most of the time; "like" has its own exceptions
# ("I like", "looks like") in the counter.
FILLER_WORDS: Final = frozenset({"like", "basically", "actually", "literally"})
# Two-word fillers; "kind of"/"sort of" are skipped after a determiner ("what kind of").
FILLER_PHRASES: Final = frozenset(
    {("you", "know"), ("sort", "of"), ("kind", "of"), ("i", "mean"), ("so", "yeah")}
)


@dataclass(frozen=True)
class Thresholds:
    """The live coach's thresholds. Times are in seconds, rates in words per minute."""

    # Pace. Conversational English runs at about 120-160 wpm (the US National Center for
    # Voice and Speech quotes ~150 wpm; public-speaking guides recommend 120-160). Only
    # clearly slow or fast speech is flagged, judged over a sliding window so one rushed
    # sentence does not count, and only once the window holds enough words to mean anything.
    pace_window_s: float = 20.0
    pace_min_words: int = 15
    # Speaking time the window must span: guards against a recogniser delivering a burst of
    # words at once.
    pace_min_span_s: float = 4.0
    pace_slow_wpm: float = 100.0
    pace_fast_wpm: float = 165.0
    # How far back inside the normal band the pace must come before "pace" can fire again.
    pace_clear_margin_wpm: float = 5.0
    # A silence counts towards speaking time only up to this long: a longer one is a pause
    # (its own nudge), not slow speech. Below `pause_s`, above recognisers' result cadence.
    pace_gap_cap_s: float = 2.5
    # "Good pace" means the conversational band itself.
    pace_good_min_wpm: float = 120.0
    pace_good_max_wpm: float = 160.0

    # Fillers per 100 words. Fluent speakers produce roughly 1-3 per 100 words (Bortfeld et
    # al. 2001 report ~6 disfluencies per 100 words of all kinds, fillers being a part);
    # above 4.5 listeners notice. Judged over a longer window than pace because fillers are
    # rare events and small counts are noisy.
    filler_max_per_100: float = 4.5
    filler_window_s: float = 60.0
    filler_min_words: int = 25
    filler_clear_margin: float = 0.5

    # Long pause: no new words for this long while answering, after the first word (time to
    # think before starting is encouraged, so the silence before it never counts). Pauses of
    # 2-3 s read as deliberate; beyond 4 s they read as being stuck.
    pause_s: float = 4.0

    # Answer running long. Interview coaching advises 1-2 minutes for a behavioural (STAR)
    # answer, so 3 minutes is clearly long; technical explanations get 4. A mixed interview
    # does not say which kind a question is, so it gets the more generous limit unless the
    # caller names the question's kind.
    answer_max_behavioral_s: float = 180.0
    answer_max_technical_s: float = 240.0
    answer_max_mixed_s: float = 240.0

    # Eye contact: the mean per-frame eye-contact score over the last 10 s. In conversation
    # people look at each other roughly 60% of the time (Argyle's gaze studies), and
    # coaching guides ask for 60-70% in interviews; looking away to think is normal, so
    # only a clear shortfall is flagged, and only with enough frames to judge.
    eye_window_s: float = 10.0
    eye_min_frames: int = 10
    eye_min_span_s: float = 5.0
    eye_contact_min_share: float = 0.6
    eye_contact_clear_margin: float = 0.05
    eye_contact_good_share: float = 0.75

    # Face missing: out of frame this long without a break. Shorter absences (reaching for a
    # glass of water, a tracker glitch) are ignored.
    face_missing_s: float = 4.0
    # Without a face message for this long the camera state is unknown (tab hidden, camera
    # off), and face nudges hold still rather than guess.
    face_stale_s: float = 3.0

    # Positive feedback ("good pace", "steady eye contact") after delivery has been good
    # continuously for this long, at most once per answer and kind.
    good_after_s: float = 30.0

    # The same kind of nudge is not repeated within this long, even across answers; beyond
    # that a flagged state must have returned to normal before it can fire again.
    cooldown_s: float = 30.0

    filler_sounds: frozenset[str] = FILLER_SOUNDS
    filler_words: frozenset[str] = FILLER_WORDS
    filler_phrases: frozenset[tuple[str, str]] = FILLER_PHRASES

    def answer_max_s(self, kind: str) -> float:
        check_kind(kind)
        if kind == "behavioral":
            return self.answer_max_behavioral_s
        if kind == "technical":
            return self.answer_max_technical_s
        return self.answer_max_mixed_s


def check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind: {kind!r} is not one of {KINDS}")


DEFAULT_THRESHOLDS: Final = Thresholds()
