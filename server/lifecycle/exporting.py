"""Writing an interview as one export file (see ``export_format``), record by record."""

from __future__ import annotations

import hashlib
from typing import Any, AsyncIterator

from sqlalchemy import text

from db.models import Analysis, Answer, Interview, Question
from db.queries.events import events_after
from db.queries.interviews import get_interview_detail
from server.database import Database
from server.hub.event_writer import now_ms
from server.hub.events import unpack
from server.lifecycle.export_format import FORMAT, VERSION, end_record, event_record, pack

PAGE = 1000


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _interview(interview: Interview) -> dict[str, Any]:
    return {
        "id": str(interview.id), "kind": interview.kind, "role_title": interview.role_title,
        "difficulty": interview.difficulty, "questions_total": interview.questions_total,
        "status": interview.status, "phase": interview.phase,
        "question_idx": interview.question_idx, "head": interview.head_seq,
        "score": interview.score, "plan": interview.plan,
        "created_at": _iso(interview.created_at), "started_at": _iso(interview.started_at),
        "finished_at": _iso(interview.finished_at),
    }


def _question(question: Question) -> dict[str, Any]:
    return {
        "qid": str(question.id), "parent_qid": str(question.parent_id) if question.parent_id else None,
        "idx": question.idx, "kind": question.kind, "text": question.text,
        "topic": question.topic, "key_points": list(question.key_points or []),
        "asked_seq": question.asked_seq, "created_at": _iso(question.created_at),
    }


def _answer(answer: Answer) -> dict[str, Any]:
    return {
        "id": str(answer.id), "qid": str(answer.question_id), "transcript": answer.transcript,
        "skipped": answer.skipped, "started_seq": answer.started_seq,
        "ended_seq": answer.ended_seq, "started_at": _iso(answer.started_at),
        "ended_at": _iso(answer.ended_at),
    }


def _analysis(analysis: Analysis) -> dict[str, Any]:
    return {
        "qid": str(analysis.question_id),
        "answer_id": str(analysis.answer_id) if analysis.answer_id else None,
        "score": analysis.score, "summary": analysis.summary,
        "strengths": list(analysis.strengths), "improvements": list(analysis.improvements),
        "rubric": dict(analysis.rubric), "source": analysis.source,
        "created_seq": analysis.created_seq,
    }


async def _recorded(db: Database, interview_id: Any, head: int,
                    streams: dict[str, str]) -> list[dict[str, Any]]:
    """Each recording as the log holds it up to ``head``: its audio events in order. The
    file is written from them after they are acknowledged, so it may be a moment behind;
    the import rebuilds the file from the same events and checks it against this."""
    digests = {stream: hashlib.sha256() for stream in streams}
    sizes = dict.fromkeys(streams, 0)
    chunks = dict.fromkeys(streams, 0)
    after = 0
    while after < head:
        async with db.transaction() as session:
            rows = (await session.execute(
                text("SELECT seq, stream, payload FROM events WHERE interview_id = :id"
                     " AND kind = 'audio' AND seq > :after AND seq <= :head"
                     " ORDER BY seq LIMIT :page"),
                {"id": interview_id, "after": after, "head": head, "page": PAGE},
            )).all()
        if not rows:
            break
        for row in rows:
            after = row.seq
            if row.stream not in digests:
                continue
            data = bytes(unpack(row.payload)["data"])
            digests[row.stream].update(data)
            sizes[row.stream] += len(data)
            chunks[row.stream] += 1
    return [{"stream": stream, "mime": mime, "size_bytes": sizes[stream],
             "chunks": chunks[stream], "sha256": digests[stream].hexdigest()}
            for stream, mime in streams.items()]


async def export_interview(
    db: Database, interview: Interview
) -> AsyncIterator[bytes]:
    """The export file of ``interview`` as it stands now, in pieces of about a page of
    events. Events logged after the header was read are left out (the header's head
    bounds the file), so a running interview exports consistently."""
    async with db.sessions() as session, session.begin():
        # One snapshot: the head and the recordings' sizes must describe the same moment.
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        fresh = await session.get(Interview, interview.id)
        if fresh is None:
            raise LookupError("interview not found")
        detail = await get_interview_detail(session, fresh)
    head = fresh.head_seq
    recorded = await _recorded(db, fresh.id, head,
                               {r.stream: r.mime for r in detail.recordings})
    yield pack({
        "record": "header", "format": FORMAT, "version": VERSION, "exported_at": now_ms(),
        "interview": _interview(fresh),
        "owner": {"username": detail.owner.username, "display_name": detail.owner.display_name},
        "questions": [_question(q) for q in detail.questions],
        "answers": [_answer(a) for a in detail.answers],
        "analyses": [_analysis(a) for a in detail.analyses],
        "recordings": recorded,
    })
    after, count = 0, 0
    while after < head:
        async with db.transaction() as session:
            rows = await events_after(session, interview.id, after, PAGE, upto=head)
            page = bytearray()
            for row in rows:
                page += pack(event_record(row.seq, row.kind, row.ts, row.stream, row.client_seq,
                                          unpack(row.payload)))
        if not rows:
            break
        after = rows[-1].seq
        count += len(rows)
        yield bytes(page)
    yield pack(end_record(count))
