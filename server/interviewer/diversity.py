"""Choosing questions that differ from each other and from what the user has seen.

Texts are compared by the cosine of their TF-IDF vectors over meaningful word stems (the
words every question uses, like "describe" or "time", are left out). The order is built
greedily by maximal marginal relevance: each step takes, among the candidates left,

1. one the user has not seen (no history text at or above ``SEEN``),
2. one that is not a near-duplicate of a question already chosen,
3. one whose competency has been chosen least so far,
4. the best ``TRADE_OFF * relevance - (1 - TRADE_OFF) * (similarity to the chosen ones
   + similarity to the history)``,

ties broken by a hash of the salt. No global randomness: the same candidates, history and
salt give the same order.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .text import normalize, topic_stems

# Cosine similarity from which two questions count as the same question.
NEAR_DUPLICATE = 0.5
# ... and from which a question counts as one the user has seen: lower, as the history
# may hold the same question in other words.
SEEN = 0.4
TRADE_OFF = 0.7
Vector = Mapping[str, float]


@dataclass(frozen=True)
class Candidate:
    key: str
    # The text as it would be asked: compared with the history.
    text: str
    # What the question is about (its text and key points): compared within the plan.
    profile: str
    # The competency a plan spreads over.
    group: str
    # How well it suits the request, from 0 to 1.
    relevance: float


@functools.lru_cache(maxsize=8192)
def terms(text: str) -> frozenset[str]:
    return topic_stems(text)


class TfIdf:
    """Term weights fitted on a set of documents; unknown terms weigh the most. A term
    counts once per text: questions are too short for counts to mean much."""

    def __init__(self, documents: Iterable[str]) -> None:
        counts: Counter[str] = Counter()
        total = 0
        for document in documents:
            counts.update(terms(document))
            total += 1
        self._total = total
        self._counts = counts

    def idf(self, term: str) -> float:
        return math.log((1 + self._total) / (1 + self._counts[term])) + 1

    def vector(self, text: str) -> dict[str, float]:
        weights = {t: self.idf(t) for t in terms(text)}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {t: w / norm for t, w in weights.items()} if norm else {}


def cosine(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


def similarities(texts: Sequence[str]) -> list[list[float]]:
    """The pairwise cosine similarity of ``texts``, weighted over those same texts."""
    model = TfIdf(texts)
    vectors = [model.vector(t) for t in texts]
    return [[cosine(a, b) for b in vectors] for a in vectors]


def salt_fraction(salt: str, key: str) -> float:
    """A number in [0, 1) fixed by ``salt`` and ``key``."""
    digest = hashlib.sha256(f"{salt}|{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def order(
    candidates: Sequence[Candidate],
    history: Sequence[str],
    salt: str,
    limit: int | None = None,
) -> list[Candidate]:
    """The first ``limit`` candidates (all by default) in the order to ask them; see the
    module's docstring."""
    model = TfIdf([*(c.profile for c in candidates), *history])
    asked = {normalize(h) for h in history}
    past = [model.vector(h) for h in history]
    texts = {c.key: model.vector(c.text) for c in candidates}
    profiles = {c.key: model.vector(c.profile) for c in candidates}
    seen_similarity = {
        c.key: 1.0 if normalize(c.text) in asked else max(
            (cosine(texts[c.key], h) for h in past), default=0.0
        )
        for c in candidates
    }
    tie = {c.key: salt_fraction(salt, c.key) for c in candidates}
    remaining = list(candidates)
    chosen: list[Candidate] = []
    limit = len(candidates) if limit is None else min(limit, len(candidates))
    used: Counter[str] = Counter()
    # The highest similarity of each candidate to those chosen so far, by text and by profile.
    near = {c.key: 0.0 for c in candidates}
    alike = {c.key: 0.0 for c in candidates}

    def rank(c: Candidate) -> tuple[bool, bool, int, float, float]:
        mmr = TRADE_OFF * c.relevance - (1 - TRADE_OFF) * (alike[c.key] + seen_similarity[c.key])
        return (
            seen_similarity[c.key] >= SEEN,
            near[c.key] >= NEAR_DUPLICATE,
            used[c.group],
            -mmr,
            tie[c.key],
        )

    while len(chosen) < limit:
        best = min(remaining, key=rank)
        remaining.remove(best)
        chosen.append(best)
        used[best.group] += 1
        for c in remaining:
            near[c.key] = max(near[c.key], cosine(texts[c.key], texts[best.key]))
            alike[c.key] = max(alike[c.key], cosine(profiles[c.key], profiles[best.key]))
    return chosen
