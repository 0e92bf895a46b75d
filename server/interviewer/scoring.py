"""Heuristic answer assessment: offline, instant and deterministic.

An answer is measured on five things, each from 0 to 10:

- coverage: the weighted share of the question's key points it covers (keyword matching);
- structure (behavioral and situational questions): situation, task, own actions and
  result, the STAR parts; correctness (technical questions): the core points plus
  explained reasoning ("because", "the trade-off is");
- depth: enough length, and specifics: numbers with units, named tools, concrete steps,
  examples; vague words cost;
- clarity: few fillers and hedges, sentences of a sane length, no rambling or repetition,
  and, from the live coach's metrics, pace and eye contact (a small share only);
- relevance: overlap with the question's terms and key points.

The score weighs them, then caps what cannot be a real answer: gibberish, the question
read back, an off-topic or repetitive answer, a very short one. Rambling on with little
said is scaled down.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from . import cues
from .base import MAX_SCORE
from .signals import (
    CONCRETE_STEPS,
    EMPTY_STAR,
    EXAMPLES,
    REASONING,
    VAGUE,
    Delivery,
    Star,
    counted,
    delivery_of,
    find_star,
    found,
    lexical_diversity,
    names_in,
    numbers_in,
    repeated_trigrams,
)
from .text import (
    BASE_LEXICON,
    Keyword,
    Lexicon,
    content_stems,
    content_words,
    keywords,
    normalize,
    occurs,
    stems_overlap,
    topic_stems,
    words,
)

Style = Literal["technical", "behavioral", "situational"]
WEIGHTS = {"coverage": 0.35, "structure": 0.2, "depth": 0.2, "clarity": 0.1, "relevance": 0.15}


@dataclass(frozen=True)
class Lengths:
    short: int  # below this, too short to judge
    full: int  # from this on, long enough
    ramble: int  # beyond this, rambling unless it covers most key points
    long: int  # beyond this, rambling whatever it covers


LENGTHS = {
    "technical": Lengths(20, 90, 180, 320),
    "behavioral": Lengths(30, 130, 220, 420),
    "situational": Lengths(25, 100, 200, 380),
    "follow_up": Lengths(8, 35, 120, 220),
}
# A shorter question shares too many words with any answer to tell an echo; follow-ups,
# short questions with short answers, are not checked at all.
ECHO_MIN_QUESTION_WORDS = 3
# An answer covering less than this weighted share of the key points may be beside the
# point: off-topic when it is concrete and at most ``OFF_TOPIC_SHARE`` of its meaningful
# words are on the subject, merely unfocused when it is generic and its relevance (0 to 1)
# is below ``UNFOCUSED``.
LITTLE_COVERAGE = 0.3
OFF_TOPIC_SHARE = 1 / 6  # one meaningful word in six
UNFOCUSED = 0.3


@dataclass(frozen=True)
class KeyPoint:
    """Something a good answer covers: found when any keyword occurs, or, for a point
    without keywords, when at least half the words of ``point`` do."""

    point: str
    keywords: tuple[Keyword, ...] = ()
    weight: int = 1

    def found_in(self, normalized: str, stems: frozenset[str]) -> bool:
        if self.keywords:
            return any(k.found_in(normalized) for k in self.keywords)
        wanted = content_stems(self.point)
        return bool(wanted) and 2 * stems_overlap(wanted, stems) >= len(wanted)

    @property
    def terms(self) -> frozenset[str]:
        phrases = [k.phrase for k in self.keywords] or [self.point]
        return frozenset(s for p in phrases for s in content_words(p))


# What a follow-up asks for when a behavioral answer lacked a STAR part.
STAR_POINTS = {
    "situation": KeyPoint("the situation", keywords(cues.SITUATION + cues.TASK)),
    "action": KeyPoint("your own actions", keywords(cues.OWN_ACTION)),
    "result": KeyPoint("the result", keywords(cues.RESULT)),
}


@dataclass(frozen=True)
class Assessment:
    style: Style
    follow_up: bool
    words: int
    covered: tuple[KeyPoint, ...]
    missing: tuple[KeyPoint, ...]
    coverage_share: float  # weighted, 0 to 1
    star: Star
    numbers: tuple[str, ...]
    named: tuple[str, ...]
    steps: tuple[str, ...]
    examples: int
    reasons: tuple[str, ...]
    vague: tuple[str, ...]
    fillers: Mapping[str, int]
    hedges: Mapping[str, int]
    mean_sentence_words: float
    flags: frozenset[str]
    delivery: Delivery
    rubric: Mapping[str, float] = field(hash=False)
    score: float

    @property
    def answered(self) -> bool:
        return self.words > 0

    @property
    def filler_count(self) -> int:
        return sum(self.fillers.values())

    @property
    def hedge_count(self) -> int:
        return sum(self.hedges.values())


def assess(
    answer: str,
    question: str,
    key_points: Sequence[KeyPoint],
    style: Style = "technical",
    *,
    follow_up: bool = False,
    metrics: Mapping[str, float] | None = None,
    lexicon: Lexicon = BASE_LEXICON,
) -> Assessment:
    tokens = words(answer)
    n = len(tokens)
    text = normalize(answer)
    stems = content_stems(answer)
    covered = tuple(p for p in key_points if p.found_in(text, stems))
    missing = tuple(p for p in key_points if p not in covered)
    total_weight = sum(p.weight for p in key_points)
    share = sum(p.weight for p in covered) / total_weight if total_weight else 0.0
    star = find_star(tokens, text, style) if n else EMPTY_STAR
    numbers = numbers_in(tokens)
    named = names_in(answer, tokens)
    steps = found(text, CONCRETE_STEPS)
    examples = len(found(text, EXAMPLES))
    reasons = found(text, REASONING)
    vague = found(text, VAGUE)
    fillers = counted(text, cues.FILLERS)
    hedges = counted(text, cues.HEDGES)
    sentences = [s for s in cues.SENTENCE_END.split(answer) if words(s)]
    punctuated = len(sentences) >= 2 or n < 40
    mean_sentence = n / max(1, len(sentences)) if punctuated else 0.0
    lengths = LENGTHS["follow_up" if follow_up else style]
    delivery = delivery_of(metrics or {})
    flags = _flags(answer, tokens, "" if follow_up else question, lexicon)

    on_topic = _on_topic(tokens, question, key_points)
    relevance = _relevance(stems, question, key_points, share, on_topic)
    concrete = len(numbers) + len(named) + examples + len(steps)
    if n >= 8 and share < LITTLE_COVERAGE:
        if concrete >= 2 and on_topic <= OFF_TOPIC_SHARE:
            flags.add("off_topic")
        elif relevance < UNFOCUSED:
            flags.add("unfocused")
    if n > lengths.long or (n > lengths.ramble and share < 0.6):
        flags.add("rambling")

    coverage = MAX_SCORE * share if key_points else MAX_SCORE * relevance
    length = min(1.0, n / lengths.full)
    specifics = (
        min(len(numbers), 4)
        + min(len(named), 4)
        + min(examples, 2)
        + 0.5 * min(len(steps), 4)
    )
    depth = MAX_SCORE * (0.45 * length + 0.55 * min(1.0, specifics / 5))
    depth -= min(3.0, 1.0 * len(vague))
    if style == "technical":
        core = [p for p in key_points if p.weight == max((q.weight for q in key_points), default=1)]
        core_share = sum(1 for p in core if p in covered) / len(core) if core else share
        structure = MAX_SCORE * (0.7 * core_share + 0.3 * min(1.0, len(reasons) / 3))
    else:
        structure = star.score
    if follow_up:
        structure = max(structure, coverage)
    per_100 = 100 / max(n, 1)
    clarity = MAX_SCORE
    clarity -= min(3.0, 0.6 * sum(fillers.values()) * per_100)
    clarity -= min(3.0, 0.8 * sum(hedges.values()) * per_100)
    clarity -= 0.15 * max(0.0, mean_sentence - 30)
    clarity -= 3.0 if "rambling" in flags else 0.0
    clarity -= 3.0 if "repetitive" in flags else 0.0
    clarity -= 0.2 * max(0, lengths.short - n)
    clarity -= delivery.penalty
    rubric = {
        "coverage": coverage,
        "correctness" if style == "technical" else "structure": structure,
        "depth": depth,
        "clarity": clarity,
        "relevance": MAX_SCORE * relevance,
    }
    rubric = {k: round(_clamp(v), 1) for k, v in rubric.items()}
    score = sum(WEIGHTS[k if k != "correctness" else "structure"] * v for k, v in rubric.items())
    score = _capped(score, flags, n, lengths, share)
    if not n:
        rubric = dict.fromkeys(rubric, 0.0)
        score = 0.0
    return Assessment(
        style=style,
        follow_up=follow_up,
        words=n,
        covered=covered,
        missing=missing,
        coverage_share=share,
        star=star,
        numbers=numbers,
        named=named,
        steps=steps,
        examples=examples,
        reasons=reasons,
        vague=vague,
        fillers=fillers,
        hedges=hedges,
        mean_sentence_words=mean_sentence,
        flags=frozenset(flags),
        delivery=delivery,
        rubric=rubric,
        score=round(_clamp(score), 1),
    )


def _capped(score: float, flags: set[str], n: int, lengths: Lengths, share: float) -> float:
    caps = {"gibberish": 0.5, "echo": 1.0, "off_topic": 1.0, "repetitive": 2.0}
    for flag, cap in caps.items():
        if flag in flags:
            score = min(score, cap)
    if n < lengths.short:
        score = min(score, 1.0 + 4.0 * n / lengths.short)
    if "rambling" in flags:
        excess = min(1.0, (n - lengths.ramble) / lengths.ramble)
        score *= max(0.55, 1 - 0.3 * excess - 0.3 * (1 - share))
    return score


def _flags(answer: str, tokens: Sequence[str], question: str, lexicon: Lexicon) -> set[str]:
    """What makes an answer no real answer: noise, the question read back, repetition."""
    flags: set[str] = set()
    n = len(tokens)
    if not n:
        return flags
    # Proper nouns and known tools are words, however they are spelt.
    names = {w.lower() for w in cues.PROPER_NOUN.findall(answer)} | cues.TECH_NAMES
    long_words = [t for t in tokens if len(t) >= 4 and t.isalpha() and t not in names]
    strange = sum(1 for t in long_words if not lexicon.is_wordlike(t))
    known = sum(1 for t in tokens if t in lexicon.vocabulary or t in names)
    mashed = long_words and strange >= 2 and strange >= 0.3 * len(long_words)
    if mashed or (n >= 4 and known < 0.35 * n):
        flags.add("gibberish")
    answer_stems = content_stems(answer)
    question_stems = content_stems(question)
    if answer_stems and len(question_stems) >= ECHO_MIN_QUESTION_WORDS:
        novel = [s for s in answer_stems if not occurs(s, question_stems)]
        echoed = stems_overlap(question_stems, answer_stems)
        if len(novel) <= max(2, 0.2 * len(answer_stems)) and echoed >= 0.5 * len(question_stems):
            flags.add("echo")
    if n >= 20 and (lexical_diversity(tokens) < 0.4 or repeated_trigrams(tokens) > 0.4):
        flags.add("repetitive")
    return flags


def _on_topic(tokens: Sequence[str], question: str, key_points: Sequence[KeyPoint]) -> float:
    """The share of the answer's meaningful words that are about the question: its terms
    or its key points' keywords."""
    terms = frozenset().union(*(p.terms for p in key_points)) | topic_stems(question)
    content = content_words(" ".join(tokens))
    return sum(1 for w in content if occurs(w, terms)) / len(content) if content else 0.0


def _relevance(
    stems: frozenset[str],
    question: str,
    key_points: Sequence[KeyPoint],
    share: float,
    on_topic: float,
) -> float:
    """From 0 to 1: the question's own terms the answer uses, the key points it covers and
    the share of its meaningful words that are on the subject."""
    asked = topic_stems(question)
    recall = stems_overlap(asked, stems) / min(4, len(asked)) if asked else 0.5
    points = min(1.0, 1.5 * share) if key_points else min(1.0, 2 * on_topic)
    return _clamp(0.35 * min(1.0, recall) + 0.4 * points + 0.25 * min(1.0, 4 * on_topic), 1.0)


def _clamp(value: float, top: float = MAX_SCORE) -> float:
    return min(top, max(0.0, value))
