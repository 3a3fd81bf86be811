"""Summary rows (planning_halfhours) with a known shape for the week-plan tests, inserted directly and deleted
afterwards (the plan reads the summary only, never the legs).

Queue l1 (general calendar: Monday to Friday 08:00-20:00, Saturday 08:30-18:30), every Monday of the eight weeks
before each reference Monday:
- 10:00-10:30 (slot 20): 60 calls handled in 240 s each, 3 advisers present the whole half-hour → under-staffed;
- 10:30-11:00 (slot 21): 2 calls of 240 s, 20 advisers present → well staffed.
Reference weeks: 2026-W40 (Monday 2026-09-28: history 2026-08-03 .. 2026-09-21) for the page and the API, and the
test service's own week (ServiceProcess.DEFAULT_NOW, Monday 2026-11-23 10:00: history 2026-09-28 .. 2026-11-16)
for the dashboard's « needed now ».
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date, timedelta

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import create_async_engine

from allo.db.planning_models import PlanningHalfhour

QUEUE = "l1"
WEEK, WEEK_MONDAY = "2026-W40", date(2026, 9, 28)
SERVICE_MONDAY = date(2026, 11, 23)
BUSY, QUIET = 20, 21
AHT = 240.0
SHAPE = {BUSY: (60, 3), QUIET: (2, 20)}  # slot -> (calls, advisers present)


def past_mondays(monday: date, weeks: int = 8) -> list[date]:
    return [monday - timedelta(days=7 * k) for k in range(1, weeks + 1)]


def rows() -> list[dict[str, object]]:
    days = {*past_mondays(WEEK_MONDAY), *past_mondays(SERVICE_MONDAY)}
    return [{"queue": QUEUE, "day": day, "slot": slot, "offered": calls, "answered": calls,
             "answered_in_sl": calls, "handled": calls, "handle_sum_s": calls * AHT, "wait_sum_s": 0.0,
             "staffed_s": present * 1800.0}
            for day in sorted(days) for slot, (calls, present) in SHAPE.items()]


async def _insert(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await _delete(conn)
            await conn.execute(insert(PlanningHalfhour), rows())
    finally:
        await engine.dispose()


async def _delete(conn) -> None:  # type: ignore[no-untyped-def]
    days = sorted({r["day"] for r in rows()})
    await conn.execute(delete(PlanningHalfhour).where(PlanningHalfhour.queue == QUEUE,
                                                      PlanningHalfhour.day.in_(days)))


async def _remove(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await _delete(conn)
    finally:
        await engine.dispose()


def inserted(url: str) -> Iterator[None]:
    asyncio.run(_insert(url))
    try:
        yield
    finally:
        asyncio.run(_remove(url))
