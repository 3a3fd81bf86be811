"""The week plan (docs/planning.md, « /planning »): per queue, the forecast of a reference week, the advisers needed at
the queue's own targets (Erlang C) and to schedule, against the advisers present in the same half-hours of the weeks
the forecast rests on, within the queue's opening hours.

Reads the summary (`planning_halfhours`), never the queue legs, so a week costs one query per queue.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from acd.planning.forecast import forecast_week, used_days
from acd.planning.staffing import plan_week
from acd.planning.types import SlotFigures, SlotForecast, SlotKey, Targets
from allo.db.models import Queue
from allo.db.planning_models import PlanningHalfhour
from allo.planning.plan_grid import Need, QueuePlan, queue_plan
from allo.planning.week import open_slots
from routing.calendar import ClosedReason, day_periods
from routing.calendar_types import Calendar
from routing.rules import RulesSnapshot

_LEFT_OUT = (ClosedReason.PUBLIC_HOLIDAY, ClosedReason.EXCEPTIONAL_CLOSURE)


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


_SUMMED = (PlanningHalfhour.offered, PlanningHalfhour.answered, PlanningHalfhour.answered_in_sl,
           PlanningHalfhour.abandoned, PlanningHalfhour.handled, PlanningHalfhour.handle_sum_s,
           PlanningHalfhour.wait_sum_s, PlanningHalfhour.staffed_s)


async def read_history(engine: AsyncEngine, queue: str, first: date,
                       before: date) -> tuple[dict[SlotKey, SlotFigures], date | None]:
    """The summary rows of `queue` from `first` to the day before `before`, and the first day the summary has for
    it (the primary key's index answers both)."""
    async with engine.connect() as conn:
        rows = await conn.execute(select(PlanningHalfhour.day, PlanningHalfhour.slot, *_SUMMED).where(
            PlanningHalfhour.queue == queue, PlanningHalfhour.day >= first, PlanningHalfhour.day < before))
        history = {SlotKey(r.day, r.slot): SlotFigures(r.offered, r.answered, r.answered_in_sl, r.abandoned,
                                                       r.handled, r.handle_sum_s, r.wait_sum_s, r.staffed_s)
                   for r in rows}
        start = (await conn.execute(select(func.min(PlanningHalfhour.day))
                                    .where(PlanningHalfhour.queue == queue))).scalar()
    return history, start


def counted_days(calendar: Calendar | None, first: date, before: date, start: date | None) -> list[date]:
    """The past dates that count: not before the summary starts, not a public holiday nor an exceptional closure."""
    days = []
    day = max(first, start) if start is not None else before
    while day < before:
        if calendar is None or day_periods(calendar, day)[1] not in _LEFT_OUT:
            days.append(day)
        day += timedelta(days=1)
    return days


def calendar_of(snapshot: RulesSnapshot | None, queue: str) -> Calendar | None:
    if snapshot is None:
        return None
    service = snapshot.service_of_queue(queue)
    return snapshot.calendars.get(service.calendar) if service is not None else None


def needs_of(queue: str, forecasts: Mapping[tuple[int, int], SlotForecast], targets: Targets,
             shrinkage: float) -> dict[tuple[int, int], Need]:
    """Erlang C per half-hour at the queue's targets (acd/planning/staffing.py: no calls needs nobody)."""
    planned = plan_week({queue: forecasts}, {queue: targets}, shrinkage)[queue]
    return {key: Need(p.forecast.calls, p.aht_s, p.agents, p.scheduled, p.forecast.weeks)
            for key, p in planned.items()}


async def queue_week(engine: AsyncEngine, snapshot: RulesSnapshot | None, queue: QueueRow, monday: date, *,
                     today: date, settings: PlanSettings) -> QueuePlan:
    calendar = calendar_of(snapshot, queue.name)
    before = min(monday, today)
    # Enough past dates for `weeks` of each weekday, with room for the holidays and closures left out.
    first = before - timedelta(days=7 * settings.weeks + 35)
    history, start = await read_history(engine, queue.name, first, before)
    days = counted_days(calendar, first, before, start)
    forecasts = forecast_week(history, days, settings.weeks, settings.decay)
    needs = await asyncio.to_thread(needs_of, queue.name, forecasts, queue.targets, settings.shrinkage)
    staffed = {key: figures.staffed_s for key, figures in history.items()}
    week = [monday + timedelta(days=i) for i in range(7)]
    return queue_plan(queue.name, queue.label, queue.targets, monday, needs=needs,
                      open_slots={day: open_slots(calendar, day) for day in week}, staffed=staffed,
                      days_by_weekday=used_days(days, settings.weeks))


async def week_plan(engine: AsyncEngine, snapshot: RulesSnapshot | None, monday: date, *, today: date,
                    settings: PlanSettings, queue: str | None = None) -> WeekPlan:
    """The plan of every queue (or of `queue`) for the week starting on `monday`."""
    queues = [q for q in await load_queues(engine) if queue is None or q.name == queue]
    plans = [await queue_week(engine, snapshot, q, monday, today=today, settings=settings) for q in queues]
    return WeekPlan(monday, tuple(plans))
