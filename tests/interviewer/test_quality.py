"""The analyzer against scripted answers of known quality (``quality_corpus.json``).

For every question, each category of answer is ranked in tiers (strong, then decent, then
vague / rambling / very short, then off-topic / gibberish / the question read back /
empty). Every pair in different tiers is a claim "A is better than B"; the analyzer must
agree with at least ``MIN_ORDERED_SHARE`` of the claims, and the strong answer must beat
every weak one outright.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from server.interviewer import AnswerAnalysis, SimpleInterviewer
from server.interviewer.bank import load_bank

CORPUS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "quality_corpus.json").read_text("utf-8")
)
TIERS: list[list[str]] = CORPUS["tiers"]
RANK = {category: i for i, tier in enumerate(TIERS) for category in tier}
WEAK = [c for tier in TIERS[2:] for c in tier]
# The share of "A is better than B" claims the analyzer must agree with.
MIN_ORDERED_SHARE = 0.9
interviewer = SimpleInterviewer()


async def analyses() -> dict[str, dict[str, AnswerAnalysis]]:
    bank = load_bank()
    out: dict[str, dict[str, AnswerAnalysis]] = {}
    for item in CORPUS["questions"]:
        entry = bank.by_topic(item["topic"])
        assert entry is not None, item["topic"]
        question = entry.planned("Software engineer")
        out[item["topic"]] = {
            category: await interviewer.analyze(question, answer, {})
            for category, answer in item["answers"].items()
        }
    return out


def test_the_corpus_is_complete() -> None:
    bank = load_bank()
    styles = {bank.by_topic(q["topic"]).style for q in CORPUS["questions"]}  # type: ignore[union-attr]
    assert len(CORPUS["questions"]) >= 4 and styles == {"technical", "behavioral", "situational"}
    for item in CORPUS["questions"]:
        assert set(item["answers"]) == set(RANK), item["topic"]


async def test_better_answers_score_higher() -> None:
    results = await analyses()
    agreed, claims, wrong = 0, 0, []
    for topic, by_category in results.items():
        for a, b in itertools.permutations(by_category, 2):
            if RANK[a] < RANK[b]:
                claims += 1
                if by_category[a].score > by_category[b].score:
                    agreed += 1
                else:
                    wrong.append((topic, a, by_category[a].score, b, by_category[b].score))
    assert claims >= 4 * 20
    assert agreed / claims >= MIN_ORDERED_SHARE, wrong


async def test_the_strong_answer_beats_every_weak_one() -> None:
    for topic, by_category in (await analyses()).items():
        strong = by_category["strong"].score
        assert strong >= 8, topic
        for category in ["decent", *WEAK]:
            assert strong > by_category[category].score, (topic, category)


async def test_worthless_answers_score_near_zero() -> None:
    for topic, by_category in (await analyses()).items():
        for category in ("off_topic", "gibberish", "repeated_question", "empty"):
            # Word salad made of real words is only known by its irrelevance: up to 2.
            assert by_category[category].score <= 2.0, (topic, category)
        assert not by_category["empty"].answered


@pytest.mark.parametrize(
    ("category", "words"),
    [
        ("off_topic", "does not address"),
        ("gibberish", "could not be made out"),
        ("repeated_question", "repeats the question"),
        ("rambling", "runs long"),
        ("very_short", "too short"),
    ],
)
async def test_the_summary_says_what_is_wrong(category: str, words: str) -> None:
    results = await analyses()
    said = [by_category[category].summary for by_category in results.values()]
    assert sum(words in s for s in said) >= 0.8 * len(said), said


async def test_strong_answers_are_praised_for_what_they_contain() -> None:
    for topic, by_category in (await analyses()).items():
        strong = by_category["strong"]
        assert strong.strengths and strong.strengths[0].startswith("Covered "), topic
        assert len(strong.improvements) <= 2, (topic, strong.improvements)
