"""A candidate's progress over their interviews: scores over time and by interview kind and
competency area, delivery trends, strongest and weakest areas, questions practised; and the
instructor's view of each candidate they were granted.

The inputs are one row per interview and one per analysed question (joined with its
delivery), already limited to what the viewer may see.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from statistics import fmean
from typing import Any

from .delivery import PACE_BAND_WPM, Delivery, summarize
from .report import area_of, mean_rubric

STRONG_WEAK_COUNT = 3
RECENT_COUNT = 10


@dataclass(frozen=True, slots=True)
class InterviewFacts:
    interview_id: str
    owner_id: str
    kind: str
    role_title: str
    difficulty: str
    status: str
    created_at: datetime
    # The final report's score; None until the interview finishes.
    score: float | None = None
    questions_total: int = 0


@dataclass(frozen=True, slots=True)
class AnsweredFacts:
    """One analysed question of an interview."""

    interview_id: str
    question_text: str
    topic: str | None
    question_kind: str
    score: float
    rubric: Mapping[str, float] = field(default_factory=dict)
    skipped: bool = False
    delivery: Delivery | None = None


@dataclass(frozen=True, slots=True)
class Owner:
    user_id: str
    username: str
    display_name: str


def interview_score(interview: InterviewFacts, answered: Sequence[AnsweredFacts]) -> float | None:
    """The final score, or the mean of the answers scored so far."""
    if interview.score is not None:
        return round(interview.score, 2)
    return _mean([a.score for a in answered])


def recent_first(interviews: Iterable[InterviewFacts]) -> list[InterviewFacts]:
    """Live interviews first, then the most recent."""
    by_time = sorted(interviews, key=lambda i: i.created_at, reverse=True)
    return sorted(by_time, key=lambda i: i.status != "live")


def interview_row(interview: InterviewFacts, answered: Sequence[AnsweredFacts]) -> dict[str, Any]:
    deliveries = [a.delivery for a in answered if a.delivery is not None]
    return {
        "id": interview.interview_id,
        "kind": interview.kind,
        "role_title": interview.role_title,
        "difficulty": interview.difficulty,
        "status": interview.status,
        "created_at": interview.created_at.isoformat(),
        "score": interview_score(interview, answered),
        "final": interview.score is not None,
        "answered": len(answered),
        "questions_total": interview.questions_total,
        "delivery": summarize(deliveries).document(),
        "report_url": f"/interviews/{interview.interview_id}/report",
    }


def grouped_scores(
    answered: Iterable[AnsweredFacts], key: Callable[[AnsweredFacts], str]
) -> list[dict[str, Any]]:
    """Mean score per group, best first."""
    groups: dict[str, list[float]] = {}
    for answer in answered:
        groups.setdefault(key(answer), []).append(answer.score)
    rows = [{"name": name, "mean": _mean(scores), "n": len(scores)} for name, scores in groups.items()]
    return sorted(rows, key=lambda row: (-row["mean"], row["name"]))


def strongest_and_weakest(
    areas: Sequence[Mapping[str, Any]], count: int = STRONG_WEAK_COUNT
) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """The best and the worst ``count`` of ``areas`` (by ``mean``), never the same one twice:
    with fewer than ``2 * count`` areas the better half are strengths."""
    ranked = sorted(areas, key=lambda a: (-a["mean"], a["name"]))
    strong = min(count, (len(ranked) + 1) // 2)
    weak = min(count, len(ranked) - strong)
    return ranked[:strong], list(reversed(ranked[len(ranked) - weak:])) if weak else []


def questions_practised(answered: Iterable[AnsweredFacts], order: Mapping[str, int]) -> list[dict[str, Any]]:
    """Each distinct question (by its text) with how often it was answered, the best and the
    latest score; the most recently practised first. ``order`` ranks interviews, newest 0."""
    seen: dict[str, dict[str, Any]] = {}
    for answer in sorted(answered, key=lambda a: order.get(a.interview_id, 0), reverse=True):
        key = " ".join(answer.question_text.lower().split())
        row = seen.get(key)
        if row is None:
            row = seen[key] = {
                "text": answer.question_text, "area": area_of(answer.topic), "times": 0,
                "skipped": 0, "best": answer.score, "latest": answer.score,
                "interview_id": answer.interview_id,
            }
        row["times"] += 1
        row["skipped"] += int(answer.skipped)
        row["best"] = max(row["best"], answer.score)
        row["latest"] = answer.score
        row["interview_id"] = answer.interview_id
    return sorted(seen.values(), key=lambda row: order.get(row["interview_id"], 0))


def progress(interviews: Sequence[InterviewFacts], answered: Sequence[AnsweredFacts]) -> dict[str, Any]:
    """The dashboard of one candidate over ``interviews`` (oldest to newest in ``trend``)."""
    by_interview: dict[str, list[AnsweredFacts]] = {i.interview_id: [] for i in interviews}
    for answer in answered:
        if answer.interview_id in by_interview:
            by_interview[answer.interview_id].append(answer)
    chronological = sorted(interviews, key=lambda i: i.created_at)
    trend = [interview_row(i, by_interview[i.interview_id]) for i in chronological]
    relevant = [a for rows in by_interview.values() for a in rows]
    kind_of = {i.interview_id: i.kind for i in interviews}
    rubric = mean_rubric(a.rubric for a in relevant if not a.skipped)
    rubric_counts: dict[str, int] = {}
    for answer in relevant:
        if not answer.skipped:
            for name in answer.rubric:
                rubric_counts[name] = rubric_counts.get(name, 0) + 1
    by_area = grouped_scores(relevant, lambda a: area_of(a.topic))
    areas = [{"kind": "competency", **row} for row in by_area] + [
        {"kind": "rubric", "name": name, "mean": value, "n": rubric_counts[name]}
        for name, value in rubric.items()
    ]
    strongest, weakest = strongest_and_weakest(areas)
    newest_rank = {i.interview_id: rank for rank, i in enumerate(reversed(chronological))}
    scored = [row["score"] for row in trend if row["score"] is not None]
    row_of = {row["id"]: row for row in trend}
    return {
        "interviews": len(interviews),
        "pace_band": {"min": PACE_BAND_WPM[0], "max": PACE_BAND_WPM[1]},
        "recent": [row_of[i.interview_id] for i in recent_first(interviews)[:RECENT_COUNT]],
        "answered": len(relevant),
        "mean_score": _mean(scored),
        "trend": trend,
        "by_kind": grouped_scores(relevant, lambda a: kind_of[a.interview_id]),
        "by_area": by_area,
        "rubric": [{"name": name, "mean": value, "n": rubric_counts[name]} for name, value in rubric.items()],
        "strongest": strongest,
        "weakest": weakest,
        "delivery": summarize(a.delivery for a in relevant if a.delivery is not None).document(),
        "questions": questions_practised(relevant, newest_rank),
    }


def candidates_overview(
    interviews: Sequence[tuple[InterviewFacts, Owner]], answered: Sequence[AnsweredFacts],
) -> list[dict[str, Any]]:
    """Per candidate: their progress over their ``interviews`` (with the recent ones, live
    first); candidates with a live interview first, then the most recently active."""
    owners: dict[str, Owner] = {}
    theirs: dict[str, list[InterviewFacts]] = {}
    for interview, owner in interviews:
        owners[owner.user_id] = owner
        theirs.setdefault(owner.user_id, []).append(interview)
    by_interview: dict[str, list[AnsweredFacts]] = {}
    for answer in answered:
        by_interview.setdefault(answer.interview_id, []).append(answer)
    rows = []
    for user_id, items in theirs.items():
        mine = [a for i in items for a in by_interview.get(i.interview_id, [])]
        rows.append({
            "candidate": {"username": owners[user_id].username,
                          "display_name": owners[user_id].display_name},
            "live": any(i.status == "live" for i in items),
            "latest": max(i.created_at for i in items).isoformat(),
            "progress": progress(items, mine),
        })
    rows.sort(key=lambda row: row["latest"], reverse=True)
    rows.sort(key=lambda row: not row["live"])
    return rows


def _mean(values: Sequence[float]) -> float | None:
    return round(fmean(values), 2) if values else None
