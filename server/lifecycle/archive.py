"""Everything the engine holds about one account, as a zip archive streamed as it is made.

Layout::

    README.txt                       what is in here
    account.json                     the account (no password hash)
    interviews/<date>-<id>/interview.json       questions, answers, analyses, report score
    interviews/<date>-<id>/transcript.txt       each question and the answer given
    interviews/<date>-<id>/interview.ieinterview  the export file (the whole event log)
    interviews/<date>-<id>/recording-<n>.<ext>  the audio recordings
    shared-with-me.json              interviews of others this account may observe

The zip is written to a sink that hands its bytes on after every piece (zipfile writes
data descriptors when the output cannot seek), so nothing is held whole in memory.
"""

from __future__ import annotations

import asyncio
import io
import json
import time
import zipfile
from typing import Any, AsyncIterator

from db.models import User
from db.queries.interviews import get_interview_detail, list_visible_interviews
from server.accounts import public_user
from server.database import Database
from server.hub.recordings import RecordingStore, extension
from server.interviews import interview_document
from server.lifecycle.export_format import EXTENSION
from server.lifecycle.exporting import export_interview

READ_SIZE = 256 * 1024
README = """Your data from Interview Engine, as it was when this archive was made.

account.json          your account (the password is stored only as a hash and is not here)
interviews/           one folder per interview you took:
  interview.json        questions, answers, analyses and scores
  transcript.txt        each question and what you answered
  interview.ieinterview the whole event log, importable into another Interview Engine
  recording-N.*         the audio recorded while you answered
shared-with-me.json   interviews of others that you may observe (not included here)
"""


class _Sink(io.RawIOBase):
    """A write-only, unseekable file whose bytes are taken out as they arrive."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._buffer += data
        return len(data)

    def take(self) -> bytes:
        data = bytes(self._buffer)
        self._buffer.clear()
        return data


def _info(name: str, compress: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=time.gmtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = 0o640 << 16
    return info


def _transcript(document: dict[str, Any]) -> str:
    answers: dict[str, list[str]] = {}
    for answer in document["answers"]:
        text = "(skipped)" if answer["skipped"] else answer["transcript"] or "(no answer)"
        answers.setdefault(answer["qid"], []).append(text)
    lines = [f"{document['role_title']} ({document['kind']}, {document['difficulty']})", ""]
    for question in document["questions"]:
        lines.append(f"Q{question['idx'] + 1} [{question['kind']}]: {question['text']}")
        for text in answers.get(question["qid"], ["(not answered)"]):
            lines.append(f"A: {text}")
        lines.append("")
    return "\n".join(lines)


async def account_archive(db: Database, store: RecordingStore, user: User) -> AsyncIterator[bytes]:
    sink = _Sink()
    archive = zipfile.ZipFile(sink, "w")

    def add(name: str, text: str) -> bytes:
        archive.writestr(_info(name, True), text.encode())
        return sink.take()

    yield add("README.txt", README)
    async with db.transaction() as session:
        rows = await list_visible_interviews(session, user.id, limit=100_000)
    account = {**public_user(user), "created_at": user.created_at.isoformat()}
    yield add("account.json", json.dumps(account, indent=2, ensure_ascii=False))
    shared = [{"id": str(i.id), "owner": owner.username, "role_title": i.role_title}
              for i, owner in rows if i.owner_id != user.id]
    yield add("shared-with-me.json", json.dumps(shared, indent=2, ensure_ascii=False))
    for interview, _ in rows:
        if interview.owner_id != user.id:
            continue
        async with db.transaction() as session:
            detail = await get_interview_detail(session, interview)
        document = interview_document(detail)
        folder = f"interviews/{interview.created_at:%Y-%m-%d}-{interview.id}"
        yield add(f"{folder}/interview.json", json.dumps(document, indent=2, ensure_ascii=False))
        yield add(f"{folder}/transcript.txt", _transcript(document))
        with archive.open(_info(f"{folder}/interview.{EXTENSION}", False), "w",
                          force_zip64=True) as entry:
            async for piece in export_interview(db, interview):
                entry.write(piece)
                yield sink.take()
        yield sink.take()
        for n, recording in enumerate(detail.recordings, start=1):
            name = f"{folder}/recording-{n}.{extension(recording.mime)}"
            with archive.open(_info(name, False), "w", force_zip64=True) as entry:
                async for piece in _file(store, recording.file_name, recording.size_bytes):
                    entry.write(piece)
                    yield sink.take()
            yield sink.take()
    archive.close()
    yield sink.take()


async def _file(store: RecordingStore, name: str, size: int) -> AsyncIterator[bytes]:
    with open(store.path(name), "rb") as file:
        left = size
        while left > 0:
            piece = await asyncio.to_thread(file.read, min(READ_SIZE, left))
            if not piece:
                break
            left -= len(piece)
            yield piece
