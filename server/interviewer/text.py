"""Word-level text helpers shared by scoring, planning and the question bank: tokens,
light stemming, keyword matching and a crude "is this a word" test. Pure and stdlib-only."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

TOKEN = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    """a about after again all also am an and any are as at be been before being both but by
    can could did do does doing done for from had has have having he her here him his how i
    if in into is it its just me more most my no nor not of off on once only or other our out
    over own same she should so some such than that the their them then there these they this
    those through to too under until up very was we were what when where which while who whom
    why will with would you your yours""".split()
)
# Words every interview question uses; they say nothing about what it is about.
QUESTION_WORDS = frozenset(
    """describe tell walk explain give example time situation approach handle talk think
    way ways use using make sure happen happens happened go goes want work worked working
    thing things kind someone something anything everything nothing one two role ask made
    asks asked""".split()
)
SUFFIXES = ("ations", "ation", "ments", "ment", "ings", "ing", "ies", "ied", "es", "ed", "ly", "s")
MIN_STEM = 4
STEM_CHARS = 6
VOWELS = frozenset("aeiouy")
# Common English, for telling words from keyboard mashing by their letter pairs.
COMMON_TEXT = """the people their would about which could other there first after where
through between because against during without before under around among every thought
little world should still school never become really system program question government
number public company problem service business change different important example follow
understand information development together another result friend through performance
design database request response queue server client memory thread process product
customer manager engineer deploy release incident monitor measure improve quickly strength
rhythm length knowledge language awkward subtle listen height weight sixth twelfth world
which judge knife wrong quiz jazz fix box next exact luxury oxygen squeeze quality query
backlog sprint github python java golang javascript typescript kubernetes docker redis
postgres mysql nginx kafka graphql latency throughput schema index cache shard replica
script profile benchmark flaky batch stream pipeline owner scope deadline stakeholder
leverage awkward thumb debt doubt gnome psych myth lymph crypt rhythm nymph twelfths
dropped resolved involved solved shipped stepped stopped helped developed twelve twelfth
solve involve salvage calm film help self shelf golf width depth month fifth eighth
upgrade background feedback playback drawback checkpoint workflow keyword bookmark
outcome income overcome handwritten subway halfway sixty fifty obvious previous serious
acquire adjust object subject advice advance equivalent frequency sequence adequate
asked tasks risky whisky husband website webhook jobs subtle doubtful debtor obtain
exploit explain explicit employ implement complex amplify emphasis symptom symbol system"""


def normalize(text: str) -> str:
    """Lower case, every run of non-alphanumerics one space."""
    return " ".join(TOKEN.findall(text.lower()))


def words(text: str) -> list[str]:
    return TOKEN.findall(text.lower())


@functools.lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A crude stem: one common suffix off, then at most ``STEM_CHARS`` letters, so that
    "shortener" and "shortening" meet."""
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM - 1:
            word = word[: -len(suffix)]
            break
    return word[:STEM_CHARS]


def content_words(text: str) -> list[str]:
    """The stems of the words that carry meaning: no stopwords, no one-letter tokens."""
    return [stem(w) for w in words(text) if len(w) > 2 and w not in STOPWORDS]


def content_stems(text: str) -> frozenset[str]:
    return frozenset(content_words(text))


def topic_stems(text: str) -> frozenset[str]:
    """What a question is about: its content stems less the words all questions share."""
    return frozenset(s for s in content_words(text) if s not in QUESTION_WORDS)


def stems_overlap(wanted: Iterable[str], have: frozenset[str]) -> int:
    """How many of ``wanted`` occur in ``have``, a stem matching another it prefixes."""
    return sum(1 for w in set(wanted) if occurs(w, have))


def occurs(wanted: str, have: frozenset[str]) -> bool:
    """Whether ``wanted`` is in ``have``, or one of the two prefixes the other (both of at
    least ``MIN_STEM`` letters)."""
    if wanted in have:
        return True
    if len(wanted) < MIN_STEM:
        return False
    if wanted in _long_prefixes(have):
        return True
    return any(wanted[:end] in have for end in range(MIN_STEM, len(wanted)))


@functools.lru_cache(maxsize=256)
def _long_prefixes(have: frozenset[str]) -> frozenset[str]:
    """Every prefix of at least ``MIN_STEM`` letters of the stems in ``have``: the same sets
    are asked about once per word of an answer."""
    return frozenset(s[:end] for s in have for end in range(MIN_STEM, len(s) + 1))


# What may follow a keyword's word in the text: inflections and derivations, so that
# "measur" finds "measuring" and "index" finds "indexes", but "data" not "database".
SUFFIX = (
    r"(?:s|es|e|ed|d|ing|ings|er|ers|or|ors|ion|ions|ation|ations|ization|isation|ment|ments"
    r"|ement|ements|al|ally|ly|ity|ities|ility|ive|ively|ies|ied|y|ying|able|ably|ible|ic"
    r"|ical|ically|ism|ist|ists|ize|ized|izes|izing|ise|ised|ises|ising|ence|ency|ent|ently"
    r"|ance|ant|cy|t|ty|tly|tion|tions|ness|ful|le|ous|ously|is|ption|iation|ication|etic"
    r"|ison|ote|ite|ten)?"
)


@dataclass(frozen=True)
class Keyword:
    """A word or phrase to look for, its words in order with at most one other word
    between them. Each word matches itself plus a common suffix (a final "e", "s" or "y"
    of the keyword may change, a final consonant may double); words of one or two letters
    match only whole. The pattern is compiled on first use: the bank holds thousands of
    keywords and compiling them all would cost seconds at every start."""

    phrase: str
    source: str
    # Text the phrase's words need in any form: most keywords are absent from an answer,
    # and a substring test tells that far sooner than the pattern.
    needles: tuple[str, ...] = ()

    @property
    def pattern(self) -> re.Pattern[str]:
        return _compiled(self.source)

    @classmethod
    def of(cls, phrase: str) -> Keyword:
        parts = words(phrase)
        if not parts:
            raise ValueError(f"keyword {phrase!r} has no letters or digits")
        pieces = [_word_pattern(p) for p in parts]
        body = r"(?: [a-z0-9]+)? ".join(pieces)
        return cls(" ".join(parts), rf"(?:^| ){body}(?= |$)", tuple(map(_word_root, parts)))

    def found_in(self, normalized: str) -> bool:
        for needle in self.needles:
            if needle not in normalized:
                return False
        return self.pattern.search(normalized) is not None


@functools.lru_cache(maxsize=8192)
def _compiled(source: str) -> re.Pattern[str]:
    # Shared by equal keywords (a job description's skills are made afresh per interview).
    return re.compile(source)


def _word_root(word: str) -> str:
    """The letters every form :func:`_word_pattern` accepts begins with."""
    if len(word) > 3 and word[-1] in "esy" and not word.endswith("ss") and not word.isdigit():
        return word[:-1]
    return word


def _word_pattern(word: str) -> str:
    if len(word) <= 2 or word.isdigit():
        return re.escape(word)
    word = _word_root(word)
    double = re.escape(word[-1]) + "?" if word[-1] not in "aeiouy" else ""
    return re.escape(word) + double + SUFFIX


def keywords(phrases: Sequence[str]) -> tuple[Keyword, ...]:
    return tuple(Keyword.of(p) for p in phrases)


def _bigrams(word: str) -> set[str]:
    padded = f"^{word}$"
    return {padded[i : i + 2] for i in range(len(padded) - 1)}


CONSONANT_RUN = re.compile(r"[^aeiouy0-9]{6,}")
SAME_LETTER_RUN = re.compile(r"([a-z])\1\1")


@dataclass(frozen=True)
class Lexicon:
    """Known words and the letter pairs they use, to tell words from keyboard mashing."""

    vocabulary: frozenset[str]
    bigrams: frozenset[str]

    @classmethod
    def of(cls, text: str) -> Lexicon:
        vocabulary = frozenset(words(COMMON_TEXT + " " + text))
        return cls(vocabulary, frozenset(b for w in vocabulary for b in _bigrams(w)))

    def is_wordlike(self, word: str) -> bool:
        """Whether a token could be a word: known, or shaped like one (vowels, plausible
        letter pairs, no long consonant runs). Short tokens pass: often acronyms."""
        if len(word) < 4 or word in self.vocabulary or any(c.isdigit() for c in word):
            return True
        if not VOWELS & set(word) or CONSONANT_RUN.search(word) or SAME_LETTER_RUN.search(word):
            return False
        pairs = _bigrams(word)
        return len(pairs - self.bigrams) <= max(1, len(pairs) // 5)


BASE_LEXICON = Lexicon.of(" ".join(STOPWORDS))
