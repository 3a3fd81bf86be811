"""Migration 0011 on callbacks recorded before it: the ring and reach times of past callbacks are filled from the
agent time of the attempts that dialled the citizen (the best known), and downgrading drops the new columns."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from allo.db.migrate import upgrade_head
from tests.integration.allo.private_db import downgrade_to, drop_private_database

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
async def before_0011(test_settings, postgres) -> AsyncIterator[str]:
    name = f"allo_migration_0011_{os.getpid()}"
    drop_private_database(postgres, name)
    postgres.ensure_database(test_settings.pg_password.get_secret_value(), database=name)
    url = test_settings.sqlalchemy_url.rsplit("/", 1)[0] + "/" + name
    await asyncio.to_thread(upgrade_head, url, "0010")
    yield url
    drop_private_database(postgres, name)


async def _callback(conn, status: str, attempts: list[tuple[str, datetime | None]]) -> int:
    callback_id = (await conn.execute(text(
        "INSERT INTO callbacks (public_id, origin, queue, original_arrival, due_by, status, attempts, "
        "next_attempt_at, consent) VALUES (gen_random_uuid(), 'web', 'l1', :t, :due, :status, :n, :t, true) "
        "RETURNING id"), {"t": T0, "due": T0 + timedelta(minutes=45), "status": status, "n": len(attempts)}
    )).scalar_one()
    for number, (outcome, agent_at) in enumerate(attempts, start=1):
        await conn.execute(text(
            "INSERT INTO callback_attempts (callback_id, attempt_no, claimed_at, agent_at, outcome) "
            "VALUES (:c, :no, :t, :agent_at, :outcome)"),
            {"c": callback_id, "no": number, "t": T0, "agent_at": agent_at, "outcome": outcome})
    return int(callback_id)


async def test_past_callbacks_get_their_best_known_ring_and_reach(before_0011: str) -> None:
    engine = create_async_engine(before_0011)
    try:
        async with engine.begin() as conn:
            answered_late = await _callback(conn, "done", [
                ("no_answer", T0 + timedelta(minutes=40)), ("answered", T0 + timedelta(minutes=50))])
            never_rang = await _callback(conn, "failed", [("interrupted", None)] * 3)
        await asyncio.to_thread(upgrade_head, before_0011)
        async with engine.connect() as conn:
            rows = {r.id: r for r in await conn.execute(text(
                "SELECT id, first_ringing_at, reached_at, risen_at FROM callbacks"))}
            attempts = (await conn.execute(text(
                "SELECT attempt_no, ringing_at, reached_at FROM callback_attempts WHERE callback_id = :c "
                "ORDER BY attempt_no"), {"c": answered_late})).all()
        first = rows[answered_late]
        assert first.first_ringing_at == T0 + timedelta(minutes=40)  # the unanswered attempt rang in time
        assert first.reached_at == T0 + timedelta(minutes=50) and first.risen_at is None
        assert [tuple(a) for a in attempts] == [(1, T0 + timedelta(minutes=40), None),
                                                (2, T0 + timedelta(minutes=50), T0 + timedelta(minutes=50))]
        assert (rows[never_rang].first_ringing_at, rows[never_rang].reached_at) == (None, None)

        await asyncio.to_thread(downgrade_to, before_0011, "0010")
        async with engine.connect() as conn:
            columns = {r[0] for r in await conn.execute(text(
                "SELECT column_name FROM information_schema.columns WHERE table_name IN "
                "('callbacks', 'callback_attempts')"))}
        assert not columns & {"first_ringing_at", "reached_at", "risen_at", "ringing_at"}
    finally:
        await engine.dispose()
