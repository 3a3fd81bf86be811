"""The week plan (docs/planning.md, « /planning »): per queue, the forecast of a reference week, the advisers needed at
the queue's own targets (Erlang C) and to schedule, against the advisers present in the same half-hours of the weeks
the forecast rests on, within the queue's opening hours.

Reads the summary (`planning_halfhours`, through allo/planning/history.py and forecasts.py), never the queue legs,
so a week costs two queries per queue.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from acd.planning.forecast import used_days
from acd.planning.staffing import plan_week
from acd.planning.types import SlotForecast, Targets
from allo.db.models import Queue
from allo.planning.forecasts import ForecastSettings, forecast_of, history_end
from allo.planning.history import calendar_of, queue_history
from allo.planning.plan_grid import Need, QueuePlan, queue_plan
from allo.planning.week import open_slots
from routing.rules import RulesSnapshot


@dataclass(frozen=True, slots=True)
class PlanSettings:
    weeks: int = 8
    decay: float = 0.8
    shrinkage: float = 0.3


@dataclass(frozen=True, slots=True)
class WeekPlan:
    monday: date
    queues: tuple[QueuePlan, ...]


@dataclass(frozen=True, slots=True)
class QueueRow:
    name: str
    label: str
    level: int
    targets: Targets


async def load_queues(engine: AsyncEngine) -> list[QueueRow]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(Queue.name, Queue.label, Queue.level, Queue.service_level,
                                         Queue.sl_target_pct, Queue.asa_target).order_by(Queue.level, Queue.name))
        return [QueueRow(r.name, r.label, r.level,
                         Targets(float(r.service_level), float(r.sl_target_pct), float(r.asa_target) or None))
                for r in rows]


def needs_of(queue: str, forecasts: Mapping[tuple[int, int], SlotForecast], targets: Targets,
             shrinkage: float) -> dict[tuple[int, int], Need]:
    """Erlang C per half-hour at the queue's targets (acd/planning/staffing.py: no calls needs nobody)."""
    planned = plan_week({queue: forecasts}, {queue: targets}, shrinkage)[queue]
    return {key: Need(p.forecast.calls, p.aht_s, p.agents, p.scheduled, p.forecast.weeks)
            for key, p in planned.items()}


async def queue_week(engine: AsyncEngine, snapshot: RulesSnapshot | None, queue: QueueRow, monday: date, *,
                     today: date, settings: PlanSettings) -> QueuePlan:
    calendar = calendar_of(snapshot, queue.name)
    history = await queue_history(engine, snapshot, queue.name, history_end(monday, today), settings.weeks)
    forecasts = forecast_of(history, ForecastSettings(settings.weeks, settings.decay))
    needs = await asyncio.to_thread(needs_of, queue.name, forecasts, queue.targets, settings.shrinkage)
    staffed = {key: figures.staffed_s for key, figures in history.figures.items()}
    week = [monday + timedelta(days=i) for i in range(7)]
    return queue_plan(queue.name, queue.label, queue.targets, monday, needs=needs,
                      open_slots={day: open_slots(calendar, day) for day in week}, staffed=staffed,
                      days_by_weekday=used_days(history.days, settings.weeks))


async def week_plan(engine: AsyncEngine, snapshot: RulesSnapshot | None, monday: date, *, today: date,
                    settings: PlanSettings, queue: str | None = None) -> WeekPlan:
    """The plan of every queue (or of `queue`) for the week starting on `monday`."""
    queues = [q for q in await load_queues(engine) if queue is None or q.name == queue]
    plans = [await queue_week(engine, snapshot, q, monday, today=today, settings=settings) for q in queues]
    return WeekPlan(monday, tuple(plans))
