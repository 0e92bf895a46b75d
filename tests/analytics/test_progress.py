"""A candidate's progress, and the instructor's overview of candidates, from their rows."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from server.analytics.delivery import Delivery
from server.analytics.progress import (
    AnsweredFacts,
    InterviewFacts,
    Owner,
    candidates_overview,
    progress,
    questions_practised,
    recent_first,
    strongest_and_weakest,
)

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)


def interview(n: int, kind: str = "technical", status: str = "finished", score: float | None = None,
              owner: str = "u1") -> InterviewFacts:
    return InterviewFacts(f"i{n}", owner, kind, "Backend engineer", "mid", status,
                          T0 + timedelta(days=n), score, 3)


def answered(n: int, text: str, topic: str, score: float, **more: object) -> AnsweredFacts:
    return AnsweredFacts(f"i{n}", text, topic, "main", score, **more)  # type: ignore[arg-type]


def test_recent_first_puts_live_interviews_first() -> None:
    items = [interview(1), interview(2, status="live"), interview(3), interview(4, status="created")]
    assert [i.interview_id for i in recent_first(items)] == ["i2", "i4", "i3", "i1"]


def test_strongest_and_weakest_never_overlap() -> None:
    def areas(*means: float) -> list[dict[str, object]]:
        return [{"name": f"a{m}", "mean": m} for m in means]

    strong, weak = strongest_and_weakest(areas(5, 9, 1, 7, 3, 8, 2, 6))
    assert [a["mean"] for a in strong] == [9, 8, 7]
    assert [a["mean"] for a in weak] == [1, 2, 3]
    strong, weak = strongest_and_weakest(areas(4, 6, 5))
    assert [a["mean"] for a in strong] == [6, 5] and [a["mean"] for a in weak] == [4]
    assert strongest_and_weakest(areas(4)) == ([{"name": "a4", "mean": 4}], [])
    assert strongest_and_weakest([]) == ([], [])


def test_questions_practised_counts_repeats_newest_first() -> None:
    rows = [
        answered(1, "Explain  CORS.", "web/cors", 3.0),
        answered(2, "Design a chat.", "system-design/chat", 6.0),
        answered(3, "explain cors.", "web/cors", 7.0),
        answered(3, "Tell me about a failure.", "growth/failure", 0.0, skipped=True),
    ]
    order = {"i3": 0, "i2": 1, "i1": 2}
    practised = questions_practised(rows, order)
    assert [(q["area"], q["times"], q["best"], q["latest"]) for q in practised] == [
        ("web", 2, 7.0, 7.0), ("growth", 1, 0.0, 0.0), ("system-design", 1, 6.0, 6.0),
    ]
    assert practised[1]["skipped"] == 1


def test_progress_over_interviews() -> None:
    spoken = Delivery(words=100, fillers=3, duration_s=50.0, wpm=130.0, eye_contact_share=0.6)
    items = [interview(1, score=5.0), interview(2, "behavioral", status="live")]
    rows = [
        answered(1, "Q a", "databases/indexes", 4.0, rubric={"coverage": 4.0, "depth": 2.0},
                 delivery=spoken),
        answered(1, "Q b", "web/cors", 8.0, rubric={"coverage": 8.0, "depth": 6.0}),
        answered(2, "Q c", "teamwork/conflict", 9.0, rubric={"structure": 9.0, "depth": 8.0},
                 delivery=Delivery(50, 2, 25.0, 160.0, 0.9)),
        # Not one of these interviews: ignored.
        answered(9, "Q z", "web/cors", 0.0),
    ]
    p = progress(items, rows)
    assert [row["id"] for row in p["trend"]] == ["i1", "i2"]
    assert [row["score"] for row in p["trend"]] == [5.0, 9.0]
    assert [row["final"] for row in p["trend"]] == [True, False]
    assert p["trend"][0]["delivery"]["wpm"] == 130.0 and p["trend"][1]["delivery"]["fillers_per_100"] == 4.0
    assert [row["id"] for row in p["recent"]] == ["i2", "i1"]
    assert p["answered"] == 3 and p["mean_score"] == 7.0
    assert p["by_kind"] == [{"name": "behavioral", "mean": 9.0, "n": 1},
                            {"name": "technical", "mean": 6.0, "n": 2}]
    assert p["rubric"] == [{"name": "coverage", "mean": 6.0, "n": 2},
                           {"name": "depth", "mean": 5.33, "n": 3},
                           {"name": "structure", "mean": 9.0, "n": 1}]
    assert [a["name"] for a in p["strongest"]] == ["structure", "teamwork", "web"]
    assert [a["name"] for a in p["weakest"]] == ["databases", "depth", "coverage"]
    assert p["delivery"]["words"] == 150 and p["delivery"]["talk_s"] == 75.0
    assert p["trend"][0]["report_url"] == "/interviews/i1/report"


def test_candidates_overview_live_first() -> None:
    ann = Owner("u1", "ann", "Ann")
    bob = Owner("u2", "bob", "Bob")
    pairs = [
        (interview(5, owner="u1"), ann),
        (interview(1, owner="u2"), bob),
        (interview(2, status="live", owner="u2"), bob),
    ]
    rows = [answered(5, "Q", "web/cors", 6.0), answered(1, "Q", "web/cors", 2.0)]
    overview = candidates_overview(pairs, rows)
    assert [row["candidate"]["username"] for row in overview] == ["bob", "ann"]
    assert overview[0]["live"] is True
    assert [r["id"] for r in overview[0]["progress"]["recent"]] == ["i2", "i1"]
    assert overview[1]["progress"]["mean_score"] == 6.0
    assert candidates_overview([], []) == []
