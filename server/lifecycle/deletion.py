"""Deleting an interview, or a whole account, for good.

The rows go in one transaction (the schema cascades from ``interviews`` and ``users`` to
events, questions, answers, analyses, recordings, grants and tickets) together with a
pending-removal marker per recording folder; the folders are removed after the commit and
the markers then. A crash in between leaves markers that start-up and ``purge`` sweep.

Live sockets lose access at once: the same transaction NOTIFYs every server process
(``ACCESS_CHANNEL``), whose hub closes the sockets concerned.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Interview, InterviewAccess, LoginFailure, User
from server.database import Database
from server.lifecycle.files import finish_removal, mark_for_removal

ACCESS_CHANNEL = "interview_access"
EVERYONE = "*"


async def announce_withdrawal(
    session: AsyncSession, interview_id: uuid.UUID, user_id: uuid.UUID | None
) -> None:
    """Tell every process (on commit) that ``user_id`` (None: everyone) lost access."""
    who = EVERYONE if user_id is None else str(user_id)
    await session.execute(
        text("SELECT pg_notify(:channel, :payload)"),
        {"channel": ACCESS_CHANNEL, "payload": f"{interview_id}:{who}"},
    )


async def delete_interview(db: Database, root: Path, interview_id: uuid.UUID,
                           uploads: Path | None = None) -> bool:
    """Delete the interview and everything about it; False when it does not exist."""
    async with db.transaction() as session:
        gone = await session.scalar(
            delete(Interview).where(Interview.id == interview_id).returning(Interview.id)
        )
        if gone is None:
            return False
        await mark_for_removal(session, interview_id, "delete")
        await announce_withdrawal(session, interview_id, None)
    await finish_removal(db, root, [interview_id], uploads)
    return True


@dataclass(frozen=True)
class DeletedAccount:
    interviews: list[uuid.UUID]  # the account's own, deleted with it
    observed: list[uuid.UUID]  # others' interviews it could observe


async def delete_account(db: Database, root: Path, user_id: uuid.UUID,
                         uploads: Path | None = None) -> DeletedAccount | None:
    """Delete the account, its interviews and its grants; None when it does not exist."""
    async with db.transaction() as session:
        user = await session.get(User, user_id, with_for_update=True)
        if user is None:
            return None
        owned = list(await session.scalars(
            select(Interview.id).where(Interview.owner_id == user_id).with_for_update()
        ))
        observed = list(await session.scalars(
            select(InterviewAccess.interview_id).where(InterviewAccess.user_id == user_id)
        ))
        for interview_id in owned:
            await mark_for_removal(session, interview_id, "delete")
            await announce_withdrawal(session, interview_id, None)
        for interview_id in observed:
            await announce_withdrawal(session, interview_id, user_id)
        # Failed logins name the account; they are its data too.
        await session.execute(delete(LoginFailure).where(LoginFailure.username == user.username))
        await session.execute(delete(User).where(User.id == user_id))
    await finish_removal(db, root, owned, uploads)
    return DeletedAccount(owned, observed)
