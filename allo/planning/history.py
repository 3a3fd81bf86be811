"""A queue's recorded half-hours, read from the summary, and the past days that count (docs/planning.md).

A day counts unless the queue's service calendar (rules snapshot) was closed for a public holiday, or an
exceptional closure covered it, whole or in part: such a day's zeros or odd hours would pull the forecast down.
Days before the queue's first summarised activity do not count either: no row there means no data, not no call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from acd.planning.types import SlotFigures, SlotKey
from allo.db.planning_models import PlanningHalfhour as H
from routing.calendar import ClosedReason, day_periods
from routing.calendar_types import Calendar, ExceptionKind
from routing.rules import RulesSnapshot

# Room for the days left out: `weeks` of each weekday rest on this many more weeks of history.
SPARE_WEEKS = 5


@dataclass(frozen=True)
class History:
    queue: str
    figures: dict[SlotKey, SlotFigures]  # the summary's rows in [first, before)
    days: list[date]  # the dates that count, oldest first


def calendar_of(snapshot: RulesSnapshot | None, queue: str) -> Calendar | None:
    """The calendar of the queue's service (level 1's for a queue no service names); None without rules."""
    if snapshot is None:
        return None
    service = snapshot.service_of_queue(queue) or snapshot.services.get(snapshot.level1_service)
    return snapshot.calendars.get(service.calendar) if service is not None else None


def left_out(calendar: Calendar | None, day: date) -> bool:
    """A public holiday the calendar observes, or a day an exceptional closure touches."""
    if calendar is None:
        return False
    if any(e.kind is ExceptionKind.CLOSURE and e.starts_on <= day <= e.ends_on for e in calendar.exceptions):
        return True
    _periods, reason, _exception, holiday = day_periods(calendar, day)
    return reason is ClosedReason.PUBLIC_HOLIDAY or (holiday is not None and calendar.public_holidays)


def counted_days(calendar: Calendar | None, first: date, before: date, start: date | None) -> list[date]:
    """The dates in [max(first, start), before) that count; none when the summary has nothing (start None)."""
    if start is None:
        return []
    day, days = max(first, start), []
    while day < before:
        if not left_out(calendar, day):
            days.append(day)
        day += timedelta(days=1)
    return days


_FIGURES = (H.offered, H.answered, H.answered_in_sl, H.abandoned, H.handled, H.handle_sum_s, H.wait_sum_s,
            H.staffed_s)


async def read_rows(engine: AsyncEngine, queue: str, first: date, before: date
                    ) -> tuple[dict[SlotKey, SlotFigures], date | None]:
    """The queue's rows in [first, before), and its first summarised day with a call or an adviser present."""
    async with engine.connect() as conn:
        rows = await conn.execute(select(H.day, H.slot, *_FIGURES).where(
            H.queue == queue, H.day >= first, H.day < before))
        figures = {SlotKey(r.day, r.slot): SlotFigures(
            offered=r.offered, answered=r.answered, answered_in_sl=r.answered_in_sl, abandoned=r.abandoned,
            handled=r.handled, handle_sum_s=r.handle_sum_s, wait_sum_s=r.wait_sum_s, staffed_s=r.staffed_s)
            for r in rows}
        start = await conn.scalar(select(func.min(H.day)).where(
            H.queue == queue, or_(H.offered > 0, H.staffed_s > 0)))
    return figures, start


async def queue_history(engine: AsyncEngine, snapshot: RulesSnapshot | None, queue: str, before: date,
                        weeks: int) -> History:
    """What a forecast of `queue` from the days before `before` rests on (`weeks` of each weekday, with room)."""
    first = before - timedelta(weeks=weeks + SPARE_WEEKS)
    figures, start = await read_rows(engine, queue, first, before)
    return History(queue, figures, counted_days(calendar_of(snapshot, queue), first, before, start))
