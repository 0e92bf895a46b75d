"""Counting, straight from the database, what is left of an interview or a user."""

from __future__ import annotations

import asyncpg

from db.embedded import libpq_dsn

BY_INTERVIEW = ("events", "questions", "answers", "analyses", "answer_metrics", "recordings",
                "interview_access", "tickets", "refused_frames", "interviews",
                "pending_file_removals")


async def recording_ids(database_url: str, interview_id: str) -> list[str]:
    connection = await asyncpg.connect(libpq_dsn(database_url))
    try:
        rows = await connection.fetch(
            "SELECT id::text FROM recordings WHERE interview_id = $1::uuid", interview_id
        )
        return [row[0] for row in rows]
    finally:
        await connection.close()


async def rows_of_interview(
    database_url: str, interview_id: str, recordings: list[str] = []
) -> dict[str, int]:
    connection = await asyncpg.connect(libpq_dsn(database_url))
    try:
        counts = {}
        for table in BY_INTERVIEW:
            column = "id" if table == "interviews" else "interview_id"
            counts[table] = await connection.fetchval(
                f"SELECT count(*) FROM {table} WHERE {column} = $1::uuid", interview_id
            )
        counts["recording_chunks"] = await connection.fetchval(
            "SELECT count(*) FROM recording_chunks WHERE recording_id = ANY($1::uuid[])",
            recordings,
        )
        return counts
    finally:
        await connection.close()


async def execute(database_url: str, statement: str, *args: object) -> str:
    connection = await asyncpg.connect(libpq_dsn(database_url))
    try:
        return str(await connection.execute(statement, *args))
    finally:
        await connection.close()


async def fetchval(database_url: str, query: str, *args: object) -> object:
    connection = await asyncpg.connect(libpq_dsn(database_url))
    try:
        return await connection.fetchval(query, *args)
    finally:
        await connection.close()
