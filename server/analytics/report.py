"""One interview's report: scores, analyses and delivery per question, from its derived rows.

Every point carries the server time (ms since the epoch) of the moment it describes, so the
page can link it to the replay at that moment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import fmean
from typing import Any

from .delivery import PACE_BAND_WPM, Delivery, summarize


@dataclass(frozen=True, slots=True)
class QuestionFacts:
    qid: str
    idx: int
    kind: str
    text: str
    topic: str | None = None
    parent_qid: str | None = None
    asked_ts: int | None = None


@dataclass(frozen=True, slots=True)
class AnswerFacts:
    qid: str
    started_ts: int | None
    ended_ts: int | None
    skipped: bool = False


@dataclass(frozen=True, slots=True)
class AnalysisFacts:
    qid: str
    score: float
    summary: str
    strengths: tuple[str, ...] = ()
    improvements: tuple[str, ...] = ()
    rubric: Mapping[str, float] = field(default_factory=dict)
    source: str = "local"
    ts: int | None = None


@dataclass(frozen=True, slots=True)
class DeliveryFacts:
    """An answer's stored delivery: its summary, pace samples and long pauses."""

    qid: str
    delivery: Delivery
    pace: tuple[tuple[int, float], ...] = ()
    pauses: tuple[tuple[int, float], ...] = ()


@dataclass(frozen=True, slots=True)
class FinalFacts:
    """The interview's final report, when it has one."""

    score: float
    summary: str


def replay_url(interview_id: str, ts: int) -> str:
    return f"/interviews/{interview_id}/replay?at={ts}"


def question_label(question: QuestionFacts) -> str:
    if question.kind == "follow_up":
        return f"Q{question.idx} follow-up"
    if question.kind == "instructor":
        return f"Q{question.idx} instructor"
    return f"Q{question.idx}"


def area_of(topic: str | None) -> str:
    """The competency a question assesses: a bank topic's area ("databases/indexes")."""
    if not topic:
        return "general"
    return topic.split("/", 1)[0].strip() or "general"


def mean_rubric(rubrics: Iterable[Mapping[str, float]]) -> dict[str, float]:
    values: dict[str, list[float]] = {}
    for rubric in rubrics:
        for name, value in rubric.items():
            values.setdefault(name, []).append(float(value))
    return {name: round(fmean(v), 2) for name, v in sorted(values.items())}


def build_report(
    interview_id: str,
    questions: Sequence[QuestionFacts],
    answers: Sequence[AnswerFacts],
    analyses: Sequence[AnalysisFacts],
    deliveries: Sequence[DeliveryFacts],
    final: FinalFacts | None,
) -> dict[str, Any]:
    """The report document; ``analyses`` in log order (a later one of a question wins)."""
    answer_of = {a.qid: a for a in answers}
    analysis_of = {a.qid: a for a in analyses}
    delivery_of = {d.qid: d for d in deliveries}
    ordered = sorted(
        questions, key=lambda q: (q.asked_ts is None, q.asked_ts or 0, q.idx)
    )
    rows = [
        _question(interview_id, q, answer_of.get(q.qid), analysis_of.get(q.qid),
                  delivery_of.get(q.qid))
        for q in ordered
    ]
    scored = [row["score"] for row in rows if row["score"] is not None]
    pace = [
        _moment(interview_id, q, ts, wpm=wpm)
        for q in ordered if q.qid in delivery_of for ts, wpm in delivery_of[q.qid].pace
    ]
    pauses = [
        _moment(interview_id, q, ts, seconds=seconds)
        for q in ordered if q.qid in delivery_of for ts, seconds in delivery_of[q.qid].pauses
    ]
    known_ts = [ts for q in questions if (ts := q.asked_ts) is not None]
    known_ts += [p["ts"] for p in pace] + [p["ts"] for p in pauses]
    in_order = [delivery_of[q.qid].delivery for q in ordered if q.qid in delivery_of]
    return {
        "interview_id": interview_id,
        "final": final is not None,
        "score": final.score if final is not None else _mean(scored),
        "summary": final.summary if final is not None else None,
        "origin_ts": min(known_ts) if known_ts else None,
        "pace_band": {"min": PACE_BAND_WPM[0], "max": PACE_BAND_WPM[1]},
        "questions": rows,
        "rubric": mean_rubric(a.rubric for a in analysis_of.values()),
        "delivery": summarize(in_order).document(),
        "pace": pace,
        "pauses": pauses,
    }


def _question(
    interview_id: str, q: QuestionFacts, answer: AnswerFacts | None,
    analysis: AnalysisFacts | None, delivery: DeliveryFacts | None,
) -> dict[str, Any]:
    label = question_label(q)
    # The moment to replay: the answer's start, else when the question was asked.
    at = answer.started_ts if answer is not None and answer.started_ts is not None else q.asked_ts
    row: dict[str, Any] = {
        "qid": q.qid, "idx": q.idx, "kind": q.kind, "label": label, "text": q.text,
        "area": area_of(q.topic), "parent_qid": q.parent_qid, "asked_ts": q.asked_ts,
        "answer_ts": answer.started_ts if answer else None,
        "answer_end_ts": answer.ended_ts if answer else None,
        "skipped": bool(answer and answer.skipped),
        "at": at, "replay_url": replay_url(interview_id, at) if at is not None else None,
        "score": None, "analysis": None, "delivery": None,
    }
    if analysis is not None:
        row["score"] = analysis.score
        row["analysis"] = {
            "summary": analysis.summary, "strengths": list(analysis.strengths),
            "improvements": list(analysis.improvements), "rubric": dict(analysis.rubric),
            "source": analysis.source, "ts": analysis.ts,
        }
    if delivery is not None:
        row["delivery"] = delivery.delivery.document()
    return row


def _moment(interview_id: str, q: QuestionFacts, ts: int, **value: float) -> dict[str, Any]:
    """A point of a time series inside an answer, with its link to the replay."""
    return {
        "ts": ts, **value, "qid": q.qid, "label": question_label(q),
        "replay_url": replay_url(interview_id, ts),
    }


def _mean(values: Sequence[float]) -> float | None:
    return round(fmean(values), 2) if values else None
