"""The data commands of ``interview-engine``: export, import and purge."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import uuid
from typing import AsyncIterator, BinaryIO

from server.settings import Settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NOT_FOUND, EXIT_REFUSED = 0, 1, 2, 3, 4
PIECE = 256 * 1024


def _error(message: str, code: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


async def export(args: argparse.Namespace, settings: Settings) -> int:
    from db.models import Interview
    from server.database import Database
    from server.lifecycle.exporting import export_interview

    try:
        interview_id = uuid.UUID(args.interview_id)
    except ValueError:
        return _error(f"{args.interview_id!r} is not an interview id", EXIT_USAGE)
    if args.output is None and sys.stdout.isatty():
        return _error("the export is binary: redirect it (> file) or use --output FILE",
                      EXIT_USAGE)
    database = await Database.open(settings)
    try:
        async with database.transaction() as session:
            interview = await session.get(Interview, interview_id)
        if interview is None:
            return _error(f"no interview {interview_id}", EXIT_NOT_FOUND)
        out: BinaryIO = open(args.output, "wb") if args.output else sys.stdout.buffer
        try:
            async for piece in export_interview(database, interview):
                out.write(piece)
            out.flush()
        finally:
            if args.output:
                out.close()
    finally:
        await database.close()
    return EXIT_OK


async def _read(file: BinaryIO) -> AsyncIterator[bytes]:
    while piece := await asyncio.to_thread(file.read, PIECE):
        yield piece


async def import_(args: argparse.Namespace, settings: Settings) -> int:
    from db.queries.users import get_user_by_username
    from server.database import Database
    from server.hub.recordings import RecordingStore
    from server.lifecycle.export_format import BadExport
    from server.lifecycle.importing import ImportConflict, import_interview
    from server.validation import normalize_username

    try:
        file: BinaryIO = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")
    except OSError as error:
        return _error(f"cannot read {args.file}: {error.strerror}", EXIT_NOT_FOUND)
    database = await Database.open(settings)
    try:
        async with database.transaction() as session:
            owner = await get_user_by_username(session, normalize_username(args.owner))
        if owner is None:
            return _error(f"no user named {args.owner!r}", EXIT_NOT_FOUND)
        if owner.role != "candidate":
            return _error(f"{owner.username} is an instructor; interviews belong to candidates",
                          EXIT_REFUSED)
        # The command line imports whatever size it is given; the limit is for HTTP.
        interview_id = await import_interview(
            database, RecordingStore(settings.recordings_dir), owner, _read(file),
            max_bytes=2**62,
        )
    except BadExport as error:
        return _error(f"not an importable interview: {error}", EXIT_REFUSED)
    except ImportConflict as error:
        return _error(str(error), EXIT_REFUSED)
    finally:
        file.close()
        await database.close()
    print(f"imported interview {interview_id} for {owner.username}")
    return EXIT_OK


def days(value: str) -> int:
    """``30``, ``30d`` or ``4w``: a whole number of days, at least 1."""
    match = re.fullmatch(r"\s*([0-9]{1,6})\s*([dw]?)\s*", value)
    if match is None or int(match.group(1)) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of days (e.g. 30 or 30d)")
    return int(match.group(1)) * (7 if match.group(2) == "w" else 1)


async def purge(args: argparse.Namespace, settings: Settings) -> int:
    from server.database import Database
    from server.lifecycle.retention import purge as apply_retention

    both = not (args.recordings or args.face)
    if args.older_than is not None:
        recordings_days = args.older_than if args.recordings or both else None
        face_days = args.older_than if args.face or both else None
    else:
        recordings_days = settings.recording_retention_days if args.recordings or both else None
        face_days = settings.face_retention_days if args.face or both else None
    database = await Database.open(settings)
    try:
        result = await apply_retention(database, settings.recordings_dir,
                                       recordings_days=recordings_days, face_days=face_days,
                                       uploads=settings.uploads_dir)
    finally:
        await database.close()
    kept = lambda value: "kept" if value is None else f"older than {value} days"  # noqa: E731
    print(f"recordings ({kept(recordings_days)}): purged from {result.recordings} interviews")
    print(f"face frames ({kept(face_days)}): purged from {result.face} interviews")
    print(f"{result.events} events deleted; {result.swept} interrupted removals finished")
    return EXIT_OK
