"""Retention: recordings and face frames kept only so many days (``purge``).

An interview's data ages from its last activity (its newest event, or its creation when
it has none), so nothing is purged from an interview still going on. Purging recordings
deletes the audio events, the recordings' rows and index, and their files; purging face
frames deletes the face events. The event log keeps its other events and its head, with
gaps where the purged frames were; the rest of the interview (questions, transcripts,
analyses, report) stays.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from server.database import Database
from server.lifecycle.files import finish_removal, mark_for_removal, sweep

DAY_MS = 24 * 3600 * 1000

_AGED = """
    SELECT i.id FROM interviews i
    WHERE coalesce((SELECT max(e.ts) FROM events e WHERE e.interview_id = i.id),
                   (extract(epoch FROM i.created_at) * 1000)::bigint) < :cutoff
      AND EXISTS (SELECT 1 FROM events e WHERE e.interview_id = i.id AND e.kind = :kind)
    ORDER BY i.id
    LIMIT :batch
"""


@dataclass
class Purged:
    recordings: int = 0  # interviews whose recordings were purged
    face: int = 0  # interviews whose face frames were purged
    events: int = 0  # audio and face events deleted
    swept: int = 0  # interrupted folder removals finished


def cutoff_ms(days: int, now_ms: int | None = None) -> int:
    now = int(time.time() * 1000) if now_ms is None else now_ms
    return now - days * DAY_MS


async def _aged(db: Database, kind: str, cutoff: int, batch: int) -> list[uuid.UUID]:
    async with db.transaction() as session:
        rows = await session.execute(text(_AGED), {"cutoff": cutoff, "kind": kind, "batch": batch})
        return [row[0] for row in rows]


async def purge_recordings(db: Database, root: Path, cutoff: int, batch: int = 100) -> tuple[int, int]:
    """Audio of interviews idle since before ``cutoff`` (ms): (interviews, events)."""
    interviews = events = 0
    while ids := await _aged(db, "audio", cutoff, batch):
        async with db.transaction() as session:
            for interview_id in ids:
                await mark_for_removal(session, interview_id, "retention")
            result = await session.execute(
                text("DELETE FROM events WHERE interview_id = ANY(:ids) AND kind = 'audio'"),
                {"ids": ids},
            )
            await session.execute(text("DELETE FROM recordings WHERE interview_id = ANY(:ids)"),
                                  {"ids": ids})
        await finish_removal(db, root, ids)
        interviews += len(ids)
        events += result.rowcount  # type: ignore[attr-defined]
    return interviews, events


async def purge_face_frames(db: Database, cutoff: int, batch: int = 100) -> tuple[int, int]:
    """Face frames of interviews idle since before ``cutoff`` (ms): (interviews, events)."""
    interviews = events = 0
    while ids := await _aged(db, "face", cutoff, batch):
        async with db.transaction() as session:
            result = await session.execute(
                text("DELETE FROM events WHERE interview_id = ANY(:ids) AND kind = 'face'"),
                {"ids": ids},
            )
        interviews += len(ids)
        events += result.rowcount  # type: ignore[attr-defined]
    return interviews, events


async def purge(
    db: Database, root: Path, *, recordings_days: int | None, face_days: int | None,
    now_ms: int | None = None, uploads: Path | None = None,
) -> Purged:
    """Apply the retention periods (None: keep) and finish interrupted folder removals."""
    result = Purged(swept=await sweep(db, root, uploads))
    if recordings_days is not None:
        result.recordings, removed = await purge_recordings(
            db, root, cutoff_ms(recordings_days, now_ms)
        )
        result.events += removed
    if face_days is not None:
        result.face, removed = await purge_face_frames(db, cutoff_ms(face_days, now_ms))
        result.events += removed
    async with db.transaction() as session:
        await session.execute(text("DELETE FROM tickets WHERE expires_at < now()"))
    return result
