"""Uploaded files, under ``<uploads root>/<interview id>/``: one folder per interview, so
deleting an interview's uploads is deleting its folder. File names are chosen here, never
taken from the request."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from server.resume import DocumentKind


class UploadStore:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def folder(self, interview_id: uuid.UUID) -> Path:
        return self.root / str(uuid.UUID(str(interview_id)))

    def save_resume(self, interview_id: uuid.UUID, kind: DocumentKind, data: bytes) -> str:
        """Store a résumé durably; returns its name relative to the root."""
        folder = self.folder(interview_id)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"resume-{uuid.uuid4().hex}.{kind}"
        partial = folder / f".{name}.partial"
        with open(partial, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, folder / name)
        return f"{folder.name}/{name}"

    def path(self, relative: str) -> Path:
        """The file a stored name refers to; ValueError for a name outside the root."""
        path = (self.root / relative).resolve()
        if self.root not in path.parents:
            raise ValueError(f"{relative!r} is not inside the uploads folder")
        return path

    def remove(self, relative: str | None) -> None:
        if relative:
            self.path(relative).unlink(missing_ok=True)

    def delete_interview(self, interview_id: uuid.UUID) -> None:
        """Every upload of one interview, gone (nothing to do when it had none)."""
        shutil.rmtree(self.folder(interview_id), ignore_errors=True)
