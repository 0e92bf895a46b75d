"""Interviews as the API shows them, and the account actions around them."""

from __future__ import annotations

import uuid
from urllib.parse import quote
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Analysis, Answer, Interview, Question, User
from db.queries.access import grant_access
from db.queries.interviews import InterviewDetail, create_interview, get_visible_interview
from db.queries.users import get_user_by_username
from server import context
from server.errors import ApiError, not_found
from server.quotas import interview_quota, spend
from server.resume_uploads import job_summary, resume_summary
from server.validation import NewInterview


def parse_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise not_found() from None


async def visible_interview(session: AsyncSession, raw_id: str, user: User) -> Interview:
    """The interview if ``user`` may see it; 404 otherwise (never revealing that it exists)."""
    interview = await get_visible_interview(session, parse_id(raw_id), user.id)
    if interview is None:
        raise not_found()
    return interview


async def start_interview(session: AsyncSession, owner: User, form: NewInterview) -> Interview:
    if owner.role != "candidate":
        raise ApiError(403, "forbidden", "only candidates create interviews")
    await spend(session, interview_quota(context.settings()), owner)
    return await create_interview(
        session,
        owner_id=owner.id,
        kind=form.kind,
        role_title=form.role_title,
        difficulty=form.difficulty,
        questions_total=form.questions,
        job_description=form.job_description or None,
    )


async def grant_observer(
    session: AsyncSession, interview: Interview, owner: User, username: str
) -> tuple[User, bool]:
    """Let the instructor ``username`` observe; returns the instructor and whether it is new."""
    if interview.owner_id != owner.id:
        raise ApiError(403, "forbidden", "only the candidate who owns the interview grants access")
    instructor = await get_user_by_username(session, username)
    if instructor is None:
        raise ApiError(404, "not_found", f"no user named {username!r}")
    if instructor.role != "instructor":
        raise ApiError(422, "invalid", f"{username!r} is not an instructor")
    created = await grant_access(session, interview.id, instructor.id)
    return instructor, created


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def interview_summary(interview: Interview, owner: User | None = None) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "id": str(interview.id),
        "kind": interview.kind,
        "role_title": interview.role_title,
        "difficulty": interview.difficulty,
        "questions_total": interview.questions_total,
        "status": interview.status,
        "phase": interview.phase,
        "question_idx": interview.question_idx,
        "head": interview.head_seq,
        "score": interview.score,
        "created_at": _iso(interview.created_at),
        "started_at": _iso(interview.started_at),
        "finished_at": _iso(interview.finished_at),
        "owner_id": str(interview.owner_id),
    }
    if owner is not None:
        summary["owner"] = {"username": owner.username, "display_name": owner.display_name}
    return summary


def tailoring_fields(interview: Interview) -> dict[str, Any]:
    """The job description, its key requirements and the résumé (for one interview's
    document, not for lists)."""
    return {**job_summary(interview), "resume": resume_summary(interview)}


def _question(question: Question) -> dict[str, Any]:
    return {
        "qid": str(question.id),
        "idx": question.idx,
        "kind": question.kind,
        "text": question.text,
        "parent_qid": str(question.parent_id) if question.parent_id else None,
        "asked_seq": question.asked_seq,
    }


def _answer(answer: Answer) -> dict[str, Any]:
    return {
        "id": str(answer.id),
        "qid": str(answer.question_id),
        "transcript": answer.transcript,
        "skipped": answer.skipped,
        "started_seq": answer.started_seq,
        "ended_seq": answer.ended_seq,
        "started_at": _iso(answer.started_at),
        "ended_at": _iso(answer.ended_at),
        "code": answer.code,
        "code_lang": answer.code_lang,
    }


def _analysis(analysis: Analysis) -> dict[str, Any]:
    return {
        "qid": str(analysis.question_id),
        "answer_id": str(analysis.answer_id) if analysis.answer_id else None,
        "score": analysis.score,
        "summary": analysis.summary,
        "strengths": analysis.strengths,
        "improvements": analysis.improvements,
        "rubric": analysis.rubric,
        "source": analysis.source,
    }


def interview_document(detail: InterviewDetail) -> dict[str, Any]:
    document = interview_summary(detail.interview, detail.owner)
    document.update(tailoring_fields(detail.interview))
    document["questions"] = [_question(question) for question in detail.questions]
    document["answers"] = [_answer(answer) for answer in detail.answers]
    document["analyses"] = [_analysis(analysis) for analysis in detail.analyses]
    document["recordings"] = [
        {
            "stream": recording.stream,
            "mime": recording.mime,
            "size_bytes": recording.size_bytes,
            "chunks": recording.next_chunk,
            "started_ts": recording.started_ts,
            "url": f"/api/interviews/{detail.interview.id}/recording?stream={quote(recording.stream)}",
        }
        for recording in detail.recordings
    ]
    document["observers"] = [
        {"username": user.username, "display_name": user.display_name}
        for user in detail.observers
    ]
    return document
