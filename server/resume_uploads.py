"""Attaching a résumé to an interview (and taking it off again): the owner's action around
:mod:`server.resume` (reading) and :mod:`server.uploads` (storing)."""

from __future__ import annotations

import asyncio
import unicodedata
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Interview, User
from server.errors import ApiError
from server.interviewer import tailoring
from server.resume import Document, DocumentError, read_resume
from server.uploads import UploadStore

MAX_NAME_CHARS = 200


async def read_upload(data: bytes, max_bytes: int) -> Document:
    """The résumé in ``data``, read off the event loop (PDF parsing takes CPU); a
    :class:`DocumentError` becomes the fitting :class:`ApiError` (413, 415 or 422)."""
    try:
        return await asyncio.to_thread(read_resume, data, max_bytes)
    except DocumentError as error:
        raise ApiError(error.status, error.code, error.message) from None


def check_may_change(interview: Interview, user: User) -> None:
    if interview.owner_id != user.id:
        raise ApiError(403, "forbidden", "only the candidate who owns the interview uploads a résumé")
    if interview.status != "created":
        raise ApiError(409, "conflict",
                       "the interview has started: its questions are planned, so the résumé "
                       "can no longer change")


def attach(
    session: AsyncSession, interview: Interview, document: Document, data: bytes,
    original_name: str, store: UploadStore,
) -> str:
    """Store the file and point the interview at it; returns the stored name of the file it
    replaces (to remove after the transaction commits), or "". The caller removes the new
    file if the transaction fails."""
    previous = interview.resume_file or ""
    interview.resume_file = store.save_resume(interview.id, document.kind, data)
    interview.resume_kind = document.kind
    interview.resume_name = display_name(original_name, document.kind)
    interview.resume_bytes = document.size_bytes
    interview.resume_text = document.text
    session.add(interview)
    return previous


def detach(interview: Interview) -> str:
    """Take the résumé off the interview; returns the stored name to remove after commit."""
    previous = interview.resume_file or ""
    interview.resume_file = interview.resume_kind = interview.resume_name = None
    interview.resume_bytes = None
    interview.resume_text = None
    return previous


def display_name(name: str, kind: str) -> str:
    """The uploaded file's name, for showing only: no path, no control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch) not in ("Cc", "Cf")).strip()
    return base[:MAX_NAME_CHARS] or f"résumé.{kind}"


def resume_summary(interview: Interview) -> dict[str, Any] | None:
    """The résumé as the API shows it: its name, kind, size, and the concrete items the
    local interviewer may ask about."""
    if not interview.resume_file:
        return None
    text = interview.resume_text or ""
    return {
        "name": interview.resume_name,
        "kind": interview.resume_kind,
        "size_bytes": interview.resume_bytes,
        "chars": len(text),
        "items": [item.text for item in tailoring.resume_items(text)],
    }


def job_summary(interview: Interview) -> dict[str, Any]:
    """The job description and the key requirements found in it."""
    description = interview.job_description or ""
    return {
        "job_description": description,
        "requirements": [r.name for r in tailoring.requirements(description)],
    }
