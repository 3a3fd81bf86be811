"""A planning summary of known shape for the best hours (integration and e2e): the service's routing day is Monday
23/11/2026; over the nine weeks before it every open half-hour of l1 waits 400 s, but Tuesday 14:00-16:00, Thursday
9:00-10:30 and Friday 11:00-11:30, and the public holiday (11/11) looks the quietest of all but does not count."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import create_async_engine

from acd.planning.best_hours import BestRange, best_hours_prompts
from allo.db.planning_models import PlanningHalfhour
from allo.settings import Settings

TODAY = date(2026, 11, 23)
DAYS = [TODAY - timedelta(days=n) for n in range(1, 64)]  # nine weeks back: 8 counted beyond the holiday
HOLIDAY = date(2026, 11, 11)  # Armistice, a Wednesday
BUSY_S = 400.0
QUIET = {(1, 28): 30.0, (1, 29): 30.0, (1, 30): 35.0, (1, 31): 30.0,  # Tuesday 14:00-16:00
         (3, 18): 45.0, (3, 19): 50.0, (3, 20): 55.0,  # Thursday 9:00-10:30
         (4, 22): 60.0}  # Friday 11:00-11:30
EXPECTED = [BestRange(1, 28, 32, 31.25), BestRange(3, 18, 21, 50.0), BestRange(4, 22, 23, 60.0)]
EXPECTED_PROMPTS = best_hours_prompts(EXPECTED)


def _answered_and_wait_sum(day: date, slot: int) -> tuple[int, float]:
    if day == HOLIDAY and slot == 24:
        return 1000, 0.0  # no wait at all for many calls: the quietest by far, on a day that does not count
    return 10, 10 * QUIET.get((day.weekday(), slot), BUSY_S)


def rows() -> list[dict[str, object]]:
    open_slots = {weekday: range(16, 40) for weekday in range(5)} | {5: range(17, 37)}  # the seeded general hours
    return [{"queue": "l1", "day": day, "slot": slot, "offered": answered, "answered": answered, "handled": answered,
             "handle_sum_s": answered * 200.0, "wait_sum_s": wait_sum}
            for day in DAYS for slot in open_slots.get(day.weekday(), ())
            for answered, wait_sum in [_answered_and_wait_sum(day, slot)]]


async def replace_summary(settings: Settings, rows_to_add: list[dict[str, object]]) -> None:
    """l1's rows over DAYS replaced by `rows_to_add` (none: removed)."""
    engine = create_async_engine(settings.sqlalchemy_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(delete(PlanningHalfhour).where(PlanningHalfhour.queue == "l1",
                                                              PlanningHalfhour.day.in_(DAYS)))
            if rows_to_add:
                await conn.execute(insert(PlanningHalfhour), rows_to_add)
    finally:
        await engine.dispose()
