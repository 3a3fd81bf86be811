"""Rows of a cluster written straight into a private database: nodes with their beats, calls and legs of a node."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


async def db_now(engine: AsyncEngine) -> datetime:
    async with engine.connect() as conn:
        return (await conn.execute(text("SELECT now()"))).scalar_one()


async def add_node(engine: AsyncEngine, name: str, *, beat_ago: float, up: bool = True,
                   since_ago: float | None = 600.0) -> None:
    async with engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO cluster_nodes (name, started_at, beat_at, asterisk_up, asterisk_since) VALUES "
            "(:n, now() - interval '1 hour', now() - make_interval(secs => :beat), :up, "
            " now() - make_interval(secs => CAST(:since AS float8)))"),
            {"n": name, "beat": beat_ago, "up": up, "since": since_ago})


async def add_call(engine: AsyncEngine, call_id: str, node: str | None, outcome: str, *, started_ago: float = 120.0,
                   ended: bool = False, leg: str | None = None, leg_end: str | None = None) -> None:
    async with engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO calls (call_id, dialled, started_at, outcome, node, ended_at, end_reason) VALUES "
            "(:id, '3939', now() - make_interval(secs => :ago), CAST(:outcome AS call_outcome), :node, "
            " CASE WHEN :ended THEN now() - interval '1 minute' END, CASE WHEN :ended THEN 'abandon' END)"),
            {"id": call_id, "ago": started_ago, "outcome": outcome, "node": node, "ended": ended})
        if leg is not None:
            answered = leg == "answered"
            await conn.execute(text(
                "INSERT INTO queue_legs (call_id, queue, joined_at, outcome, node, left_at, agent, wait_seconds, "
                " end_reason) VALUES (:id, 'l1', now() - make_interval(secs => :ago - 5), CAST(:leg AS leg_outcome), "
                " :node, CASE WHEN :answered THEN now() - make_interval(secs => :ago - 20) END, "
                " CASE WHEN :answered THEN 'agent1001' END, CASE WHEN :answered THEN 15 END, :leg_end)"),
                {"id": call_id, "ago": started_ago, "leg": leg, "node": node, "answered": answered,
                 "leg_end": leg_end})


async def calls_of(engine: AsyncEngine) -> dict[str, tuple[datetime | None, str | None, str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT call_id, ended_at, end_reason, outcome::text AS outcome FROM calls"))
        return {r.call_id: (r.ended_at, r.end_reason, r.outcome) for r in rows}


async def legs_of(engine: AsyncEngine) -> dict[str, tuple[str, datetime | None, int | None, str | None]]:
    async with engine.connect() as conn:
        rows = await conn.execute(text(
            "SELECT call_id, outcome::text AS outcome, left_at, wait_seconds, end_reason FROM queue_legs"))
        return {r.call_id: (r.outcome, r.left_at, r.wait_seconds, r.end_reason) for r in rows}


async def beat_of(engine: AsyncEngine, node: str) -> datetime:
    async with engine.connect() as conn:
        return (await conn.execute(text("SELECT beat_at FROM cluster_nodes WHERE name = :n"), {"n": node})).scalar_one()
