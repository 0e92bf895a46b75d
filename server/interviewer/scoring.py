"""Heuristic answer assessment: key-point coverage by keyword, length, specificity, clarity.

Crude on purpose: it is offline, instant and deterministic, and it only has to rank a
thorough, concrete answer above a vague or empty one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .base import MAX_SCORE

WORD = re.compile(r"[a-z0-9]+")
SENTENCE_END = re.compile(r"[.!?]+")
STOPWORDS = frozenset(
    "a an and are as at be by do does for from how in into is it its of on or the their them"
    " then this to was were what when where which who why with you your".split()
)
FILLERS = frozenset({"um", "uh", "erm", "er", "hmm", "basically", "literally"})
EXAMPLE_MARKERS = ("for example", "for instance", "such as", "e.g.", "in my last", "at my")
SUFFIXES = ("ations", "ation", "ings", "ing", "ions", "ion", "ies", "es", "ed", "ly", "s", "e")
# Words an answer needs before its length stops counting against it.
FULL_LENGTH_WORDS = 120
# A shorter prefix would match unrelated words.
MIN_PREFIX = 4


@dataclass(frozen=True)
class Assessment:
    words: int
    covered: tuple[str, ...]
    missing: tuple[str, ...]
    specifics: int
    filler_ratio: float
    mean_sentence_words: float
    coverage: float
    depth: float
    clarity: float

    @property
    def score(self) -> float:
        return round(0.5 * self.coverage + 0.3 * self.depth + 0.2 * self.clarity, 1)


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def stem(word: str) -> str:
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:6]


def content_stems(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in words(text) if len(w) >= 2 and w not in STOPWORDS)


def covers(key_point: str, answer_stems: frozenset[str]) -> bool:
    """At least half of the key point's words occur in the answer."""
    wanted = content_stems(key_point)
    if not wanted:
        return False
    found = sum(1 for w in wanted if _occurs(w, answer_stems))
    return 2 * found >= len(wanted)


def _occurs(wanted: str, answer_stems: frozenset[str]) -> bool:
    if wanted in answer_stems:
        return True
    if len(wanted) < MIN_PREFIX:
        return False
    return any(
        len(s) >= MIN_PREFIX and (s.startswith(wanted) or wanted.startswith(s))
        for s in answer_stems
    )


def assess(answer: str, key_points: tuple[str, ...]) -> Assessment:
    tokens = words(answer)
    n = len(tokens)
    answer_stems = content_stems(answer)
    covered = tuple(p for p in key_points if covers(p, answer_stems))
    missing = tuple(p for p in key_points if p not in covered)
    lowered = answer.lower()
    specifics = sum(1 for t in tokens if any(c.isdigit() for c in t)) + sum(
        lowered.count(marker) for marker in EXAMPLE_MARKERS
    )
    fillers = sum(1 for t in tokens if t in FILLERS)
    sentences = max(1, len([s for s in SENTENCE_END.split(answer) if words(s)]))
    length = _clamp(MAX_SCORE * n / FULL_LENGTH_WORDS)
    depth = _clamp(0.7 * length + 0.3 * _clamp(2.5 * specifics)) if n else 0.0
    coverage = MAX_SCORE * len(covered) / len(key_points) if key_points else depth
    filler_ratio = fillers / n if n else 0.0
    mean_sentence = n / sentences
    clarity = (
        _clamp(
            MAX_SCORE
            - 50 * filler_ratio
            - 0.2 * max(0.0, mean_sentence - 25)
            - 0.4 * max(0, 15 - n)
        )
        if n
        else 0.0
    )
    return Assessment(
        words=n,
        covered=covered,
        missing=missing,
        specifics=specifics,
        filler_ratio=filler_ratio,
        mean_sentence_words=mean_sentence,
        coverage=round(coverage, 1),
        depth=round(depth, 1),
        clarity=round(clarity, 1),
    )


def _clamp(value: float) -> float:
    return min(MAX_SCORE, max(0.0, value))
