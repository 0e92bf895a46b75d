"""The packaged question bank: its size, its coverage of areas and levels, and the shape of
each question."""

from __future__ import annotations

import itertools
from collections import Counter

from server.interviewer.bank import load_bank
from server.interviewer.base import Difficulty
from server.interviewer.diversity import SEEN, similarities

LEVELS: list[Difficulty] = ["junior", "mid", "senior"]
TECHNICAL_AREAS = {
    "algorithms", "system-design", "databases", "web", "python", "javascript", "java", "go",
    "debugging",
}


def test_the_bank_is_large_and_covers_the_areas() -> None:
    bank = load_bank()
    assert len(bank.questions) >= 80
    styles = Counter(q.style for q in bank.questions)
    assert styles["technical"] >= 50 and styles["behavioral"] >= 15
    assert styles["situational"] >= 8
    areas = Counter(q.area for q in bank.questions if q.kind == "technical")
    assert TECHNICAL_AREAS <= set(areas)
    for area in ("algorithms", "system-design", "databases", "web", "debugging"):
        assert areas[area] >= 5, area
    for area in ("python", "javascript"):
        assert areas[area] >= 4, area
    for area in ("java", "go"):
        assert areas[area] >= 3, area


def test_every_kind_and_level_has_a_deep_pool() -> None:
    bank = load_bank()
    for kind, level in itertools.product(("technical", "behavioral"), LEVELS):
        pool = bank.pool(kind, level)  # type: ignore[arg-type]
        assert len(pool) >= 15, (kind, level)
        assert len({q.competency for q in pool}) >= 7, (kind, level)
    for level in LEVELS:
        assert any(q.style == "situational" for q in bank.pool("behavioral", level))


def test_every_question_is_well_formed() -> None:
    for q in load_bank().questions:
        assert 4 <= len(q.key_points) <= 6, q.topic
        assert 2 <= len(q.follow_ups) <= 3, q.topic
        assert all(p.keywords for p in q.key_points), q.topic
        # Follow-ups go to the points that matter most.
        heaviest = max(p.weight for p in q.key_points)
        assert any(q.point(name).weight == heaviest for name, _ in q.follow_ups), q.topic  # type: ignore[union-attr]
        assert q.text.strip().endswith(("?", ".")), q.topic


def test_no_two_questions_are_near_duplicates() -> None:
    bank = load_bank()
    for kind in ("technical", "behavioral"):
        questions = [q for q in bank.questions if q.kind == kind]
        sims = similarities([q.text_for("Software engineer") for q in questions])
        for (i, a), (j, b) in itertools.combinations(enumerate(questions), 2):
            assert sims[i][j] < SEEN, (a.topic, b.topic, sims[i][j])


def test_role_rules_name_existing_areas() -> None:
    bank = load_bank()
    areas = {q.area for q in bank.questions}
    for rule in bank.roles:
        assert set(rule.areas) <= areas, rule.areas


def test_questions_are_found_by_the_text_asked() -> None:
    bank = load_bank()
    for q in bank.questions:
        assert bank.by_text(q.text_for("Staff platform engineer")) is q
        assert bank.by_text(q.text_for("Staff platform engineer").upper()) is q
    assert bank.by_text("What is your favourite colour?") is None
