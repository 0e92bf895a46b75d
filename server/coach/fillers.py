"""Word and filler counting for one transcript segment.

Filler detection is a heuristic over words, not grammar: it errs towards not counting a
word ("I like", "what kind of") rather than nagging about legitimate speech.
"""

from __future__ import annotations

import functools
import re
from typing import Final

from .thresholds import Thresholds

WORD: Final = re.compile(r"[^\W_]+(?:['’][^\W_]+|\.\d+)*")
REPEATS: Final = re.compile(r"(.)\1+")

# fmt: off
# "like" is a verb or a comparison after these, not a filler.
LIKE_NOT_FILLER_AFTER: Final = frozenset({
    "i", "you", "we", "they", "he", "she", "would", "i'd", "you'd", "we'd", "they'd", "he'd",
    "she'd", "don't", "didn't", "doesn't", "to", "feel", "feels", "felt", "look", "looks",
    "looked", "seem", "seems", "seemed", "sound", "sounds", "sounded", "something", "anything",
    "nothing", "things", "more", "much",
})
# "kind of"/"sort of" name a category after these ("what kind of index").
CATEGORY_AFTER: Final = frozenset({
    "what", "which", "this", "that", "these", "those", "the", "a", "an", "any", "some", "every",
    "each", "same", "different", "one", "another",
})
# "you know" is a real question or condition after these ("do you know", "if you know").
YOU_KNOW_NOT_FILLER_AFTER: Final = frozenset({
    "do", "did", "don't", "didn't", "if", "whether", "would", "could", "will", "can",
})
# fmt: on


def tokens(text: str) -> list[str]:
    return WORD.findall(text.lower().replace("’", "'"))


def count_fillers(words: list[str], thresholds: Thresholds) -> int:
    count = 0
    i = 0
    n = len(words)
    while i < n:
        word = words[i]
        prev = words[i - 1] if i else ""
        if (
            i + 1 < n
            and (word, words[i + 1]) in thresholds.filler_phrases
            and _phrase_is_filler(word, prev)
        ):
            count += 1
            i += 2
            continue
        if word in thresholds.filler_words:
            if word != "like" or prev not in LIKE_NOT_FILLER_AFTER:
                count += 1
        elif _squeezed(word) in thresholds.filler_sounds:
            count += 1
        i += 1
    return count


@functools.lru_cache(maxsize=1 << 16)
def _squeezed(word: str) -> str:
    """Runs of one letter made one ("ummm" is "um"): every transcript word of every live
    interview comes through here, so each distinct word is worked out once."""
    return REPEATS.sub(r"\1", word)


def _phrase_is_filler(first: str, prev: str) -> bool:
    if first in ("kind", "sort"):
        return prev not in CATEGORY_AFTER
    if first == "you":
        return prev not in YOU_KNOW_NOT_FILLER_AFTER
    return True
