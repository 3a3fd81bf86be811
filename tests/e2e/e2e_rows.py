"""Reading call rows from PostgreSQL in end-to-end tests."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from allo.db.desk_models import AgentStateEvent
from allo.db.models import Call, CallOutcome
from allo.settings import Settings

# A call that reached a queue: the handler writes QUEUED before the dialplan queues it; a hang-up there: ABANDONED.
QUEUED_OR_LEFT = {CallOutcome.QUEUED, CallOutcome.ABANDONED}


async def wait_call_row(settings: Settings, call_id: str | None = None, *, since: float = 0.0,
                        until: set[CallOutcome] | CallOutcome | None = None, timeout: float = 15.0) -> Call:
    """The call row (by id, or the latest started after `since`) once its outcome is in `until`."""
    wanted = {until} if isinstance(until, CallOutcome) else until
    engine = create_async_engine(settings.sqlalchemy_url)
    try:
        deadline = time.monotonic() + timeout
        while True:
            query = select(Call)
            query = query.where(Call.call_id == call_id) if call_id else query.order_by(
                Call.started_at.desc()).limit(1)
            async with engine.connect() as conn:
                row = (await conn.execute(query)).first()
            if row is not None and row.started_at.timestamp() >= since and (wanted is None or row.outcome in wanted):
                return row  # type: ignore[return-value]
            if time.monotonic() > deadline:
                raise AssertionError(f"no call row reaching {wanted} in {timeout} s: {row}")
            await asyncio.sleep(0.1)
    finally:
        await engine.dispose()


async def wait_history(settings: Settings, call_id: str, wanted: list[tuple[str, str]],
                       timeout: float = 10.0) -> list[tuple[str, str]]:
    """The adviser-state history of a call, (state, source) in order, once it starts with `wanted`."""
    engine = create_async_engine(settings.sqlalchemy_url)
    try:
        deadline = time.monotonic() + timeout
        while True:
            async with engine.connect() as conn:
                rows = [(r.state, r.source) for r in (await conn.execute(
                    select(AgentStateEvent.state, AgentStateEvent.source).where(AgentStateEvent.call_id == call_id)
                    .order_by(AgentStateEvent.id))).all()]
            if rows[:len(wanted)] == wanted:
                return rows
            if time.monotonic() > deadline:
                raise AssertionError(f"history of {call_id} never began with {wanted}: {rows}")
            await asyncio.sleep(0.1)
    finally:
        await engine.dispose()


def metric_sample(text: str, name: str) -> float:
    """A sample of the Prometheus text (the service is shared: other tests add to its counters)."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise AssertionError(f"{name} not in /metrics")
