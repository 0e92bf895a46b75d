"""Recording folders on disk, and the removals a crash may have left half done.

Every recording of an interview lives under ``RECORDINGS_DIR/<interview id>/`` and its
uploads (a résumé) under ``UPLOADS_DIR/<interview id>/``. Whoever deletes an interview's
rows records a ``pending_file_removals`` row (reason ``delete``) in the same transaction and
deletes it once the folders are gone; retention removes only the recordings (reason
``retention``); :func:`sweep` finishes what a crash interrupted.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import uuid
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import PendingFileRemoval
from server.database import Database

log = logging.getLogger(__name__)


def interview_folder(root: Path, interview_id: uuid.UUID) -> Path:
    return root / str(interview_id)


def _remove(folder: Path) -> None:
    if folder.exists():
        shutil.rmtree(folder)


async def remove_folder(root: Path, interview_id: uuid.UUID) -> None:
    await asyncio.to_thread(_remove, interview_folder(root, interview_id))


async def mark_for_removal(session: AsyncSession, interview_id: uuid.UUID, reason: str) -> None:
    await session.execute(
        insert(PendingFileRemoval).values(interview_id=interview_id, reason=reason)
        .on_conflict_do_nothing()
    )


async def finish_removal(db: Database, root: Path, interview_ids: list[uuid.UUID],
                         uploads: Path | None = None) -> None:
    """Remove the recording folders (and with ``uploads``, the upload folders) of these
    interviews, then their markers."""
    for interview_id in interview_ids:
        await remove_folder(root, interview_id)
        if uploads is not None:
            await remove_folder(uploads, interview_id)
    if interview_ids:
        async with db.transaction() as session:
            await session.execute(
                delete(PendingFileRemoval).where(PendingFileRemoval.interview_id.in_(interview_ids))
            )


async def sweep(db: Database, root: Path, uploads: Path | None = None) -> int:
    """Finish every pending removal nobody is working on; the number finished. A deleted
    interview's uploads go too; retention leaves them.

    Markers held by a running import (it keeps its marker's row locked) are skipped.
    """
    async with db.transaction() as session:
        pending = list(await session.execute(
            select(PendingFileRemoval.interview_id, PendingFileRemoval.reason)
            .with_for_update(skip_locked=True)
        ))
        ids = [interview_id for interview_id, _ in pending]
        for interview_id, reason in pending:
            await remove_folder(root, interview_id)
            if uploads is not None and reason == "delete":
                await remove_folder(uploads, interview_id)
        if ids:
            await session.execute(
                delete(PendingFileRemoval).where(PendingFileRemoval.interview_id.in_(ids))
            )
    if ids:
        log.info("finished %d pending recording folder removals", len(ids))
    return len(ids)
