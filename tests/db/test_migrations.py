import asyncio
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db.engine import create_engine
from db.migrate import downgrade, upgrade
from db.models import Base
from tests.database import scratch_database

TABLES = {
    "users", "interviews", "interview_access", "questions", "answers", "analyses",
    "events", "recordings", "recording_chunks", "tickets", "login_failures", "refused_frames",
    "quota_uses",
    "answer_metrics",
    "pending_file_removals",
}


async def _tables(url: str) -> set[str]:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: inspect(c).get_table_names())
    finally:
        await engine.dispose()
    return set(names) - {"alembic_version"}


def _differences(connection: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


@asynccontextmanager
async def _upgraded(name: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a scratch database migrated to the head."""
    async with scratch_database(name) as url:
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(url, pool_size=1)
        try:
            yield engine
        finally:
            await engine.dispose()


async def _new_interview(connection: AsyncConnection) -> Any:
    """An interview (and its owner) written straight to the tables."""
    user = (await connection.execute(text(
        "INSERT INTO users (id, username, display_name, password_hash, role)"
        " VALUES (gen_random_uuid(), 'u1', 'U', 'x', 'candidate') RETURNING id"
    ))).scalar_one()
    return (await connection.execute(text(
        "INSERT INTO interviews (id, owner_id, kind, role_title, difficulty,"
        " questions_total, status, phase, question_idx, head_seq)"
        " VALUES (gen_random_uuid(), :u, 'mixed', 'r', 'mid', 3, 'created', 'lobby', 0, 0)"
        " RETURNING id"
    ), {"u": user})).scalar_one()


async def test_migrations_run_up_from_empty_and_down_again() -> None:
    async with scratch_database("ie_migrate") as url:
        assert await _tables(url) == set()
        await asyncio.to_thread(upgrade, url)
        assert await _tables(url) == TABLES
        await asyncio.to_thread(downgrade, url)
        assert await _tables(url) == set()
        await asyncio.to_thread(upgrade, url)
        assert await _tables(url) == TABLES


async def test_migrations_match_the_models() -> None:
    async with _upgraded("ie_models") as engine, engine.connect() as connection:
        assert await connection.run_sync(_differences) == []


async def test_event_log_keys_reject_duplicates() -> None:
    async with _upgraded("ie_keys") as engine:
        async with engine.begin() as connection:
            interview = await _new_interview(connection)
        insert = text(
            "INSERT INTO events (interview_id, seq, kind, stream, client_seq, ts, payload)"
            " VALUES (:i, :seq, 'transcript', 's1', :cs, 0, '\\x80')"
        )
        async with engine.begin() as connection:
            await connection.execute(insert, {"i": interview, "seq": 1, "cs": 1})
        for seq, client_seq in ((1, 2), (2, 1)):
            try:
                async with engine.begin() as connection:
                    await connection.execute(insert, {"i": interview, "seq": seq, "cs": client_seq})
            except Exception as error:
                assert "unique" in str(error).lower() or "duplicate" in str(error).lower()
            else:
                raise AssertionError(f"stored a duplicate: seq={seq} client_seq={client_seq}")


async def test_the_previous_releases_log_events_still_writes_after_the_upgrade() -> None:
    # During a rolling deploy the previous release's processes call 0009's signature.
    async with _upgraded("ie_rolling") as engine, engine.begin() as connection:
        interview = await _new_interview(connection)
        seqs = (await connection.execute(text(
            "SELECT log_events(ARRAY[CAST(:i AS uuid)], ARRAY[CAST(:i AS uuid)],"
            " ARRAY['transcript'], ARRAY['s1'], ARRAY[1::bigint], ARRAY[5::bigint],"
            " ARRAY['\\x80'::bytea], '{}'::integer[], '{}'::text[], '{}'::uuid[],"
            " '{}'::text[], '{}'::text[], '{}'::text[], 'interview_events', 'old')"
        ), {"i": interview})).scalar_one()
        stored = (await connection.execute(text(
            "SELECT seq, stream, client_seq, ts FROM events WHERE interview_id = :i"
        ), {"i": interview})).all()
    assert seqs == [1]
    assert [tuple(row) for row in stored] == [(1, "s1", 1, 5)]
