"""Raw rows for the planning summary's tests: queues and advisers, calls with their queue legs, wrap-ups and
adviser states, written with the real models into a database of the test's own."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from allo.db.desk_models import AgentStateEvent, CallWrapup
from allo.db.models import Agent, AgentQueue, Call, CallOutcome, LegOutcome, Queue, QueueLeg
from allo.db.planning_models import PlanningHalfhour
from routing.calendar_types import PARIS

TABLES = ("planning_halfhours", "queue_legs", "calls", "call_wrapups", "agent_state_events", "agent_queues",
          "agents", "queues")


def paris(day: date, hh: int, mm: int = 0, ss: int = 0, *, fold: int = 0) -> datetime:
    """A Paris wall-clock time (fold=1: the second of the repeated autumn hour)."""
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=PARIS, fold=fold)


async def reset(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        await conn.execute(text("UPDATE planning_summary_state SET folded_until = NULL"))


async def queue(conn: AsyncConnection, name: str, *, service_level: int = 20, short_abandon: int = 5) -> int:
    return int(await conn.scalar(insert(Queue).returning(Queue.id).values(
        name=name, label=name, level=1, service_level=service_level, short_abandon=short_abandon)) or 0)


async def adviser(conn: AsyncConnection, username: str, *queue_ids: int) -> None:
    agent_id = await conn.scalar(insert(Agent).returning(Agent.id).values(
        username=username, display_name=username, password_digest="0" * 32))
    for queue_id in queue_ids:
        await conn.execute(insert(AgentQueue).values(agent_id=agent_id, queue_id=queue_id))


async def state(conn: AsyncConnection, agent: str, kind: str, at: datetime, call_id: str | None = None) -> None:
    await conn.execute(insert(AgentStateEvent).values(agent=agent, state=kind, source="desk", at=at,
                                                      call_id=call_id))


async def call(conn: AsyncConnection, call_id: str, started: datetime, *, ended: datetime | None = None,
               transferred: datetime | None = None) -> None:
    await conn.execute(insert(Call).values(call_id=call_id, dialled="3939", started_at=started,
                                           outcome=CallOutcome.QUEUED, ended_at=ended, transferred_at=transferred))


async def end_call(conn: AsyncConnection, call_id: str, ended: datetime | None, *,
                   transferred: datetime | None = None) -> None:
    values: dict[str, object] = {"ended_at": ended} if ended is not None else {}
    if transferred is not None:
        values["transferred_at"] = transferred
    await conn.execute(update(Call).where(Call.call_id == call_id).values(**values))


async def leg(conn: AsyncConnection, call_id: str, queue_name: str, joined: datetime, *,
              outcome: LegOutcome = LegOutcome.WAITING, wait: int | None = None, agent: str | None = None,
              end_reason: str | None = None) -> None:
    left = joined + timedelta(seconds=wait) if wait is not None else None
    await conn.execute(insert(QueueLeg).values(call_id=call_id, queue=queue_name, joined_at=joined, left_at=left,
                                               outcome=outcome, wait_seconds=wait, agent=agent,
                                               end_reason=end_reason))


async def leave(conn: AsyncConnection, call_id: str, queue_name: str, outcome: LegOutcome, wait: int, *,
                agent: str | None = None, end_reason: str | None = None) -> None:
    row = (await conn.execute(select(QueueLeg.id, QueueLeg.joined_at).where(
        QueueLeg.call_id == call_id, QueueLeg.queue == queue_name, QueueLeg.outcome == LegOutcome.WAITING))).one()
    await conn.execute(update(QueueLeg).where(QueueLeg.id == row.id).values(
        outcome=outcome, wait_seconds=wait, left_at=row.joined_at + timedelta(seconds=wait), agent=agent,
        end_reason=end_reason))


async def wrapup(conn: AsyncConnection, call_id: str, agent: str, *, ended: datetime | None = None,
                 done: datetime | None = None) -> None:
    await conn.execute(insert(CallWrapup).values(call_id=call_id, agent=agent, queue="l1", call_ended_at=ended,
                                                 done_at=done))


@dataclass(frozen=True)
class Row:
    offered: int = 0
    answered: int = 0
    answered_in_sl: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    callback: int = 0
    overflow: int = 0
    timeout: int = 0
    handled: int = 0
    wait_sum_s: float = 0.0
    abandoned_wait_sum_s: float = 0.0
    handle_sum_s: float = 0.0
    staffed_s: float = 0.0


ROW_FIELDS = tuple(f.name for f in fields(Row))


async def rows(engine: AsyncEngine) -> dict[tuple[str, date, int], Row]:
    """Every summary row (updated_at left out)."""
    columns = [getattr(PlanningHalfhour, name) for name in ROW_FIELDS]
    async with engine.connect() as conn:
        result = await conn.execute(select(PlanningHalfhour.queue, PlanningHalfhour.day, PlanningHalfhour.slot,
                                           *columns))
        return {(r[0], r[1], r[2]): Row(*r[3:]) for r in result}


def nonzero(table: dict[tuple[str, date, int], Row]) -> dict[tuple[str, date, int], Row]:
    return {key: row for key, row in table.items() if row != Row()}
