"""Interviews with known numbers, written through the db layer as the hub would write them:
the events of the log (question, phase, analysis, report) and the derived rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import msgpack
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Analysis, Answer, AnswerMetrics, Event, Interview, Question


@dataclass
class Spoken:
    """One answer's delivery; times are ms after the answer starts."""

    words: int
    fillers: int
    duration_s: float
    wpm: float | None
    eye_contact_share: float | None
    pace: list[tuple[int, float]] = field(default_factory=list)
    pauses: list[tuple[int, float]] = field(default_factory=list)
    longest_pause_s: float | None = None


@dataclass
class Asked:
    text: str
    topic: str
    score: float
    rubric: dict[str, float]
    delivery: Spoken | None = None
    skipped: bool = False
    kind: str = "main"


@dataclass
class Seeded:
    interview_id: uuid.UUID
    qids: list[str]
    # Server times of each question's answer start (or asking, when not answered).
    answer_ts: list[int]
    events: list[dict[str, Any]]


async def seed(
    session: AsyncSession, interview_id: uuid.UUID, asked: list[Asked], *, start_ts: int,
    final: tuple[float, str] | None = None,
) -> Seeded:
    """Writes ``asked`` one after another from ``start_ts``: each question, its answer (20 s
    after the question, lasting its delivery's duration), its analysis."""
    events: list[dict[str, Any]] = []
    qids: list[str] = []
    answer_ts: list[int] = []

    def log(kind: str, d: dict[str, Any], ts: int) -> int:
        seq = len(events) + 1
        events.append({"t": kind, "seq": seq, "ts": ts, "d": d})
        session.add(Event(interview_id=interview_id, seq=seq, kind=kind, ts=ts,
                          payload=msgpack.packb(d, use_bin_type=True)))
        return seq

    ts = start_ts
    idx = 0
    for item in asked:
        qid = uuid.uuid4()
        idx += item.kind == "main"
        qids.append(str(qid))
        asked_seq = log("question", {"qid": str(qid), "idx": idx, "kind": item.kind, "text": item.text}, ts)
        log("phase", {"phase": "asking", "qid": str(qid), "idx": idx}, ts + 1)
        session.add(Question(id=qid, interview_id=interview_id, idx=idx, kind=item.kind,
                             text=item.text, topic=item.topic, key_points=[], asked_seq=asked_seq))
        await session.flush()
        start = ts + 20_000
        length_ms = int((item.delivery.duration_s if item.delivery else 10) * 1000)
        started = log("phase", {"phase": "answering", "qid": str(qid), "idx": idx}, start)
        ended = log("phase", {"phase": "reviewing", "qid": str(qid), "idx": idx}, start + length_ms)
        answer_ts.append(start)
        answer = Answer(interview_id=interview_id, question_id=qid, transcript="" if item.skipped else "an answer",
                        skipped=item.skipped, started_seq=started, ended_seq=ended)
        session.add(answer)
        await session.flush()
        d = {"qid": str(qid), "score": item.score, "summary": f"Summary of {item.text}",
             "strengths": ["clear"], "improvements": ["more depth"], "rubric": item.rubric}
        created = log("analysis", d, start + length_ms + 500)
        session.add(Analysis(interview_id=interview_id, question_id=qid, answer_id=answer.id,
                             score=item.score, summary=d["summary"], strengths=d["strengths"],
                             improvements=d["improvements"], rubric=item.rubric, source="local",
                             created_seq=created))
        if item.delivery is not None:
            spoken = item.delivery
            session.add(AnswerMetrics(
                question_id=qid, interview_id=interview_id, words=spoken.words,
                fillers=spoken.fillers, duration_s=spoken.duration_s,
                fillers_per_100=round(spoken.fillers * 100 / spoken.words, 2) if spoken.words else 0.0,
                wpm=spoken.wpm, longest_pause_s=spoken.longest_pause_s,
                eye_contact_share=spoken.eye_contact_share, face_missing_s=None,
                pauses=len(spoken.pauses),
                pace=[[start + offset, wpm] for offset, wpm in spoken.pace],
                pause_marks=[[start + offset, seconds] for offset, seconds in spoken.pauses],
            ))
        ts = start + length_ms + 5_000
    values: dict[str, Any] = {"head_seq": len(events), "status": "live", "phase": "reviewing",
                              "question_idx": idx}
    if final is not None:
        score, summary = final
        log("report", {"score": score, "summary": summary,
                       "per_question": [], "metrics": {}}, ts)
        log("phase", {"phase": "finished"}, ts + 1)
        values.update(head_seq=len(events), status="finished", phase="finished", score=score)
    await session.flush()
    await session.execute(update(Interview).where(Interview.id == interview_id).values(**values))
    return Seeded(interview_id, qids, answer_ts, events)
