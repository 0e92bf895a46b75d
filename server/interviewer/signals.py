"""What the scoring looks for in an answer, each on its own: the STAR parts of a story,
numbers and names, reasoning, vague words, fillers and hedges, repetition, and remarks on
the delivery from the live coach's metrics."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from . import cues
from .base import MAX_SCORE
from .text import Keyword, keywords

SITUATION = keywords(cues.SITUATION)
TASK = keywords(cues.TASK)
RESULT = keywords(cues.RESULT)
EXAMPLES = keywords(cues.EXAMPLES)
CONCRETE_STEPS = keywords(cues.CONCRETE_STEPS)
REASONING = keywords(cues.REASONING)
VAGUE = keywords(cues.VAGUE)


@dataclass(frozen=True)
class Star:
    """The STAR parts of a story and whose story it is."""

    situation: bool
    task: bool
    actions: tuple[str, ...]  # the verbs of "I ..." sentences
    result: bool
    quantified: bool  # a result, and numbers in the story
    own: int  # I, me, my
    team: int  # we, us, our

    @property
    def missing(self) -> tuple[str, ...]:
        parts = {"situation": self.situation or self.task, "action": bool(self.actions)}
        parts["result"] = self.result
        return tuple(name for name, present in parts.items() if not present)

    @property
    def score(self) -> float:
        value = (
            0.2 * self.situation
            + 0.15 * self.task
            + 0.35 * min(1.0, len(self.actions) / 3)
            + 0.3 * self.result
        )
        if self.team > 2 * max(1, self.own) and len(self.actions) < 2:
            value *= 0.8
        return MAX_SCORE * value


EMPTY_STAR = Star(False, False, (), False, False, 0, 0)


def find_star(
    tokens: Sequence[str], text: str, style: Literal["technical", "behavioral", "situational"]
) -> Star:
    """The STAR parts. Actions are the verbs after "I": a story needs past tenses (a habit,
    "I usually try to", is not an action), a plan for a situation may also say "I would"."""
    actions: list[str] = []
    for i, token in enumerate(tokens):
        if token != "i":
            continue
        j, conditional = i + 1, False
        while j < len(tokens) and tokens[j] in cues.ACTION_FILLERS:
            conditional = conditional or tokens[j] in cues.MODALS
            j += 1
        if j == len(tokens) or tokens[j] in cues.NOT_ACTIONS or len(tokens[j]) < 2:
            continue
        verb = tokens[j]
        past = verb.endswith("ed") or verb in cues.IRREGULAR_PAST
        if past or (style == "situational" and conditional) or style == "technical":
            actions.append(verb)
    result = bool(found(text, RESULT))
    counts = Counter(tokens)
    return Star(
        situation=bool(found(text, SITUATION)),
        task=bool(found(text, TASK)),
        actions=tuple(actions),
        result=result,
        quantified=result and bool(numbers_in(tokens)),
        own=sum(counts[w] for w in ("i", "me", "my", "myself")),
        team=sum(counts[w] for w in ("we", "us", "our")),
    )


def numbers_in(tokens: Sequence[str]) -> tuple[str, ...]:
    return tuple(t for t in tokens if any(c.isdigit() for c in t) or t in cues.NUMBER_WORDS)


def names_in(answer: str, tokens: Sequence[str]) -> tuple[str, ...]:
    """Tools, technologies and code identifiers the answer names."""
    names = {t for t in tokens if t in cues.TECH_NAMES}
    names.update(m.lower() for m in cues.IDENTIFIER.findall(answer))
    return tuple(sorted(names))


def found(text: str, phrases: Sequence[Keyword]) -> tuple[str, ...]:
    return tuple(k.phrase for k in phrases if k.found_in(text))


def counted(text: str, phrases: Sequence[str]) -> dict[str, int]:
    padded = f" {text} "
    counts = {p: padded.count(f" {p} ") for p in phrases}
    return {p: n for p, n in counts.items() if n}


def lexical_diversity(tokens: Sequence[str], window: int = 50) -> float:
    """The moving-average share of distinct words (natural text: about 0.6 to 0.8)."""
    if len(tokens) <= window:
        return len(set(tokens)) / len(tokens)
    shares = [
        len(set(tokens[i : i + window])) / window for i in range(0, len(tokens) - window + 1, 10)
    ]
    return sum(shares) / len(shares)


def repeated_trigrams(tokens: Sequence[str]) -> float:
    grams = Counter(zip(tokens, tokens[1:], tokens[2:]))
    total = sum(grams.values())
    return sum(n - 1 for n in grams.values() if n > 1) / total if total else 0.0


@dataclass(frozen=True)
class Delivery:
    """Remarks on the delivery from the live coach's metrics, and what they take off
    clarity."""

    good: tuple[str, ...] = ()
    bad: tuple[str, ...] = ()
    penalty: float = 0.0


def delivery_of(metrics: Mapping[str, float]) -> Delivery:
    """Remarks on pace, filler words and eye contact; metrics that are absent, unknown or
    not finite say nothing."""
    metrics = {k: v for k, v in metrics.items() if math.isfinite(v)}
    good: list[str] = []
    bad: list[str] = []
    penalty = 0.0
    wpm = metrics.get("wpm")
    if wpm is not None and wpm > 0:
        if wpm > cues.FAST_WPM:
            bad.append(f"slow down: {wpm:.0f} words a minute is hard to follow (aim for 120-160)")
            penalty += 0.8
        elif wpm < cues.SLOW_WPM:
            bad.append(f"keep a steadier pace: {wpm:.0f} words a minute is slow")
            penalty += 0.4
        else:
            good.append(f"a comfortable pace ({wpm:.0f} words a minute)")
    fillers = metrics.get("fillers_per_100")
    if fillers is not None and fillers >= cues.MANY_FILLERS:
        bad.append(f"cut filler words: {fillers:.0f} per 100 words")
        penalty += min(0.8, 0.15 * fillers)
    eye = metrics.get("eye_contact_share")
    if eye is not None:
        if eye < cues.LOW_EYE_CONTACT:
            bad.append(f"look at the camera more: eye contact {eye:.0%} of the time")
            penalty += 0.4
        elif eye >= cues.GOOD_EYE_CONTACT:
            good.append(f"steady eye contact ({eye:.0%} of the time)")
    return Delivery(tuple(good), tuple(bad), min(cues.MAX_DELIVERY_PENALTY, penalty))
