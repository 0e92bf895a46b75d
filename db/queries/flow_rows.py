"""Rows derived from the event log, written by the hub inside the event's own transaction.

These take the writer's raw asyncpg connection: they run in its batch transaction.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import asyncpg


def answer_id(interview_id: uuid.UUID, qid: str) -> uuid.UUID:
    """One answer per question: its id follows from the interview and the question."""
    return uuid.uuid5(interview_id, f"answer:{qid}")


async def save_plan(pg: asyncpg.Connection, interview_id: uuid.UUID, plan: Sequence[dict[str, Any]]) -> None:
    await pg.execute(
        "UPDATE interviews SET plan = $2::jsonb WHERE id = $1", interview_id, json.dumps(list(plan))
    )


async def insert_question(
    pg: asyncpg.Connection, interview_id: uuid.UUID, *, qid: str, idx: int, kind: str, text: str,
    parent_qid: str | None, topic: str, key_points: Sequence[str], asked_seq: int,
) -> None:
    await pg.execute(
        "INSERT INTO questions (id, interview_id, parent_id, idx, kind, text, topic, key_points,"
        " asked_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9)",
        uuid.UUID(qid), interview_id, uuid.UUID(parent_qid) if parent_qid else None, idx, kind,
        text, topic[:120], json.dumps(list(key_points)), asked_seq,
    )


_PHASE = (
    "UPDATE interviews SET phase = $2::text,"
    " question_idx = COALESCE($3::int, question_idx),"
    " status = CASE WHEN $2::text = 'finished' THEN 'finished'"
    " WHEN $2::text = 'lobby' THEN status ELSE 'live' END,"
    " started_at = CASE WHEN $2::text NOT IN ('lobby', 'finished')"
    " THEN COALESCE(started_at, now()) ELSE started_at END,"
    " finished_at = CASE WHEN $2::text = 'finished' THEN now() ELSE finished_at END"
    " WHERE id = $1"
)
_ANSWER = (
    "INSERT INTO answers (id, interview_id, question_id, transcript, skipped, started_seq,"
    " ended_seq, started_at, ended_at, code, code_lang) VALUES ($1, $2, $3, $4, $5, $6, $7,"
    " to_timestamp($8::float8 / 1000), to_timestamp($9::float8 / 1000), $10, $11)"
    " ON CONFLICT (id) DO UPDATE SET transcript = EXCLUDED.transcript,"
    " skipped = EXCLUDED.skipped, ended_seq = EXCLUDED.ended_seq,"
    " ended_at = EXCLUDED.ended_at, code = EXCLUDED.code, code_lang = EXCLUDED.code_lang"
)
_PLACEHOLDER = re.compile(r"\$(\d+)")


def _one_statement(name: str, first: str, then: str) -> str:
    """``first`` (as the CTE ``name``) and ``then`` in one statement, ``then``'s parameters
    renumbered to follow ``first``'s."""
    taken = max(int(n) for n in _PLACEHOLDER.findall(first))
    renumbered = _PLACEHOLDER.sub(lambda m: f"${int(m.group(1)) + taken}", then)
    return f"WITH {name} AS ({first}) {renumbered}"


# A phase change and the answer it starts or ends in one statement: one round trip in the
# writer's batch (see ``_ANALYSIS_WITH_METRICS``).
_PHASE_WITH_ANSWER = _one_statement("phase", _PHASE, _ANSWER)


@dataclass(frozen=True)
class AnswerRow:
    """What the answers table holds of one answer (times in ms since the epoch)."""

    qid: str
    transcript: str
    skipped: bool
    started_seq: int | None
    ended_seq: int | None
    started_ts: int | None
    ended_ts: int | None
    code: str = ""
    code_lang: str = ""


async def set_phase(
    pg: asyncpg.Connection, interview_id: uuid.UUID, *, phase: str, question_idx: int | None,
    answer: AnswerRow | None = None,
) -> None:
    """The interview's phase; with ``answer``, that answer saved too (entering answering or
    reviewing)."""
    if answer is None:
        await pg.execute(_PHASE, interview_id, phase, question_idx)
        return
    await pg.execute(
        _PHASE_WITH_ANSWER, interview_id, phase, question_idx,
        answer_id(interview_id, answer.qid), interview_id, uuid.UUID(answer.qid),
        answer.transcript, answer.skipped, answer.started_seq, answer.ended_seq,
        answer.started_ts, answer.ended_ts, answer.code or None, answer.code_lang or None,
    )


_ANALYSIS = (
    "INSERT INTO analyses (id, interview_id, question_id, answer_id, score, summary, strengths,"
    " improvements, rubric, source, created_seq) SELECT $1, $2, $3,"
    " (SELECT a.id FROM answers a WHERE a.id = $4), $5, $6, $7::jsonb, $8::jsonb, $9::jsonb,"
    " $10, $11"
)


_ANSWER_METRICS = (
    "INSERT INTO answer_metrics (question_id, interview_id, words, fillers, duration_s,"
    " fillers_per_100, wpm, longest_pause_s, eye_contact_share, face_missing_s, pauses,"
    " pace, pause_marks) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb,"
    " $13::jsonb) ON CONFLICT (question_id) DO UPDATE SET words = EXCLUDED.words,"
    " fillers = EXCLUDED.fillers, duration_s = EXCLUDED.duration_s,"
    " fillers_per_100 = EXCLUDED.fillers_per_100, wpm = EXCLUDED.wpm,"
    " longest_pause_s = EXCLUDED.longest_pause_s,"
    " eye_contact_share = EXCLUDED.eye_contact_share,"
    " face_missing_s = EXCLUDED.face_missing_s, pauses = EXCLUDED.pauses,"
    " pace = EXCLUDED.pace, pause_marks = EXCLUDED.pause_marks"
)
# An analysis and its answer's delivery in one statement: one round trip in the writer's
# batch, where every round trip holds up the live frames behind it.
_ANALYSIS_WITH_METRICS = _one_statement("analysis", _ANALYSIS, _ANSWER_METRICS)


def _metrics_args(
    interview_id: uuid.UUID, qid: str, metrics: Mapping[str, float],
    pace: Sequence[Sequence[float]], pauses: Sequence[Sequence[float]],
) -> tuple[Any, ...]:
    return (
        uuid.UUID(qid), interview_id, int(metrics.get("words", 0)), int(metrics.get("fillers", 0)),
        float(metrics.get("duration_s", 0.0)), float(metrics.get("fillers_per_100", 0.0)),
        metrics.get("wpm"), metrics.get("longest_pause_s"), metrics.get("eye_contact_share"),
        metrics.get("face_missing_s"), len(pauses), json.dumps([list(p) for p in pace]),
        json.dumps([list(p) for p in pauses]),
    )


async def insert_analysis(
    pg: asyncpg.Connection, interview_id: uuid.UUID, *, qid: str, d: dict[str, Any], source: str,
    seq: int, metrics: Mapping[str, float] | None = None,
    pace: Sequence[Sequence[float]] = (), pauses: Sequence[Sequence[float]] = (),
) -> None:
    """The analysis of one answer, linked to the answer if it was saved; with ``metrics``,
    the live coach's summary of the answer's delivery too (see ``save_answer_metrics``)."""
    args = (
        uuid.uuid4(), interview_id, uuid.UUID(qid), answer_id(interview_id, qid),
        float(d["score"]), d["summary"], json.dumps(list(d["strengths"])),
        json.dumps(list(d["improvements"])), json.dumps(dict(d["rubric"])), source, seq,
    )
    if metrics is None:
        await pg.execute(_ANALYSIS, *args)
    else:
        await pg.execute(_ANALYSIS_WITH_METRICS, *args,
                         *_metrics_args(interview_id, qid, metrics, pace, pauses))


async def save_answer_metrics(
    pg: asyncpg.Connection, interview_id: uuid.UUID, *, qid: str, metrics: Mapping[str, float],
    pace: Sequence[Sequence[float]], pauses: Sequence[Sequence[float]],
) -> None:
    """The live coach's summary of one answer's delivery, next to its analysis."""
    await pg.execute(_ANSWER_METRICS, *_metrics_args(interview_id, qid, metrics, pace, pauses))


async def save_score(pg: asyncpg.Connection, interview_id: uuid.UUID, score: float) -> None:
    await pg.execute("UPDATE interviews SET score = $2 WHERE id = $1", interview_id, score)
