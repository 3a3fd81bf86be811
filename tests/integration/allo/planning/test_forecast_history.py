"""The forecast from a generated history with a known weekly shape (allo/planning/forecasts.py over the summary):
ten weeks of calls drawn from a seeded Poisson law around the shape, recorded as calls and queue legs, summarised
by `rebuild`, then forecast for the next week. The public holiday and the exceptional closure of the history
(closed: no call at all) are left out, so they do not pull their weekdays down; counted in, they would."""

from __future__ import annotations

import math
import random
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from acd.planning.forecast import forecast_week
from allo.planning.forecasts import ForecastSettings, week_forecasts
from allo.planning.history import counted_days, queue_history
from allo.planning.summary import rebuild
from routing.calendar_types import PARIS, Calendar, CalendarException, ExceptionKind, Period
from routing.rules import RulesSnapshot, Service

pytestmark = pytest.mark.integration

FIRST, MONDAY = date(2026, 9, 21), date(2026, 11, 30)  # ten weeks of history, then the week forecast
HOLIDAY, CLOSURE = date(2026, 11, 11), date(2026, 11, 16)  # Armistice (a Wednesday), a Monday closed
OPEN_SLOTS = range(17, 36)  # 08:30-18:00
DAY_FACTOR = {0: 1.3, 1: 1.1, 2: 1.0, 3: 1.0, 4: 0.85}  # Monday busiest, Friday quietest, closed at weekends
TALK_S, WAIT_MAX_S = 300, 60
CALENDAR = Calendar("general", weekly={d: (Period(clock(8, 30), clock(18)),) for d in range(5)},
                    exceptions=(CalendarException(ExceptionKind.CLOSURE, CLOSURE, CLOSURE),))
RULES = RulesSnapshot(version=1, services={"general": Service("general", "Général", "general", 1, "l1")},
                      calendars={"general": CALENDAR}, sectors={}, menus={})
SETTINGS = ForecastSettings(weeks=8, decay=0.8)
# Tolerances, for 8 weeks at decay 0.8 (about 6.4 weeks' worth of draws) and 17 to 65 calls a half-hour: the
# sampling error of a half-hour is 5-10 %, of a whole day about 2 %.
MAPE_MAX, SLOT_MAX, DAY_MAX = 0.10, 0.40, 0.05


def shape(weekday: int, slot: int) -> float:
    """The known mean of calls in a half-hour: a morning peak at 10:00, a smaller one at 14:30."""
    if weekday not in DAY_FACTOR or slot not in OPEN_SLOTS:
        return 0.0
    peaks = 30 * math.exp(-((slot - 20) / 2.0) ** 2) + 18 * math.exp(-((slot - 29) / 2.0) ** 2)
    return DAY_FACTOR[weekday] * (20 + peaks)


def poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method (means up to a few hundred)."""
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def generate(rng: random.Random) -> tuple[list[tuple[str, datetime, int]], int]:
    """(call id, joined at, wait) of every call of the ten weeks; closed days have none."""
    calls: list[tuple[str, datetime, int]] = []
    day = FIRST
    while day < MONDAY:
        if day not in (HOLIDAY, CLOSURE):
            for slot in OPEN_SLOTS:
                start = datetime.combine(day, clock(slot // 2, 30 * (slot % 2)), tzinfo=PARIS)
                for _ in range(poisson(rng, shape(day.weekday(), slot))):
                    joined = start + timedelta(seconds=rng.uniform(0, 1790))
                    calls.append((f"g{len(calls)}", joined, rng.randint(0, WAIT_MAX_S)))
        day += timedelta(days=1)
    return calls, len(calls)


async def record(engine: AsyncEngine, calls: list[tuple[str, datetime, int]]) -> None:
    ids = [c[0] for c in calls]
    joined = [c[1].astimezone(UTC) for c in calls]
    waits = [c[2] for c in calls]
    answered = [j + timedelta(seconds=w) for j, w in zip(joined, waits, strict=True)]
    ended = [a + timedelta(seconds=TALK_S) for a in answered]
    async with engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO calls (call_id, dialled, started_at, outcome, ended_at) "
            "SELECT id, '3939', j, 'answered', e FROM unnest(CAST(:ids AS text[]), CAST(:joined AS timestamptz[]), "
            "CAST(:ended AS timestamptz[])) AS x(id, j, e)"), {"ids": ids, "joined": joined, "ended": ended})
        await conn.execute(text(
            "INSERT INTO queue_legs (call_id, queue, joined_at, left_at, outcome, wait_seconds, agent, priority) "
            "SELECT id, 'l1', j, a, 'answered', w, 'a1', 0 FROM unnest(CAST(:ids AS text[]), "
            "CAST(:joined AS timestamptz[]), CAST(:answered AS timestamptz[]), CAST(:waits AS int[])) "
            "AS x(id, j, a, w)"), {"ids": ids, "joined": joined, "answered": answered, "waits": waits})


@pytest.fixture
async def history(db: AsyncEngine) -> AsyncEngine:
    calls, count = generate(random.Random(2026))
    await record(db, calls)
    started = time.monotonic()
    report = await rebuild(db, FIRST, MONDAY - timedelta(days=1), now=datetime.combine(MONDAY, clock(0), PARIS))
    print(f"rebuild: {count} legs, {report.days} days, {report.rows} rows in {time.monotonic() - started:.2f} s")
    return db


async def test_the_forecast_recovers_the_weekly_shape(history: AsyncEngine) -> None:
    forecasts = (await week_forecasts(history, RULES, MONDAY, today=MONDAY, settings=SETTINGS))["l1"]
    errors = []
    for weekday in range(7):
        for slot in range(48):
            forecast, truth = forecasts[(weekday, slot)], shape(weekday, slot)
            assert forecast.weeks == 8
            if truth == 0:
                assert forecast.calls == 0 and forecast.aht_s is None
                continue
            error = abs(forecast.calls - truth) / truth
            assert error < SLOT_MAX, (weekday, slot, forecast.calls, truth)
            errors.append(error)
            assert forecast.aht_s == pytest.approx(TALK_S)
            assert 0.8 * WAIT_MAX_S / 2 < (forecast.expected_wait_s or 0) < 1.2 * WAIT_MAX_S / 2
        if weekday in DAY_FACTOR:  # the busiest half-hour is the morning peak's
            assert max(OPEN_SLOTS, key=lambda s: forecasts[(weekday, s)].calls) in (19, 20, 21)
    mape = sum(errors) / len(errors)
    print(f"forecast MAPE against the known shape: {100 * mape:.1f} % over {len(errors)} half-hours")
    assert mape < MAPE_MAX
    for weekday, factor in DAY_FACTOR.items():
        total = sum(forecasts[(weekday, s)].calls for s in OPEN_SLOTS)
        truth = sum(shape(weekday, s) for s in OPEN_SLOTS)
        assert abs(total - truth) / truth < DAY_MAX, (weekday, total, truth, factor)


async def test_the_holiday_and_the_closure_are_left_out_and_would_pull_their_day_down(history: AsyncEngine) -> None:
    used = await queue_history(history, RULES, "l1", MONDAY, SETTINGS.weeks)
    assert HOLIDAY not in used.days and CLOSURE not in used.days
    assert used.days[0] == FIRST  # nothing before the first summarised day
    assert date(2026, 11, 1) not in used.days  # All Saints' Day, a Sunday: a holiday all the same
    naive_days = counted_days(None, FIRST, MONDAY, FIRST)
    naive = forecast_week(used.figures, naive_days, SETTINGS.weeks, SETTINGS.decay)
    fair = forecast_week(used.figures, used.days, SETTINGS.weeks, SETTINGS.decay)
    for weekday in (HOLIDAY.weekday(), CLOSURE.weekday()):
        truth = sum(shape(weekday, s) for s in OPEN_SLOTS)
        fair_total = sum(fair[(weekday, s)].calls for s in OPEN_SLOTS)
        naive_total = sum(naive[(weekday, s)].calls for s in OPEN_SLOTS)
        assert abs(fair_total - truth) / truth < DAY_MAX
        assert naive_total < 0.9 * truth  # the closed day's zeros, counted in, pull the weekday down
    # the other weekdays are the same either way
    assert naive[(1, 20)] == fair[(1, 20)]


async def test_a_week_starts_on_a_monday(db: AsyncEngine) -> None:
    with pytest.raises(ValueError, match="lundi"):
        await week_forecasts(db, RULES, MONDAY + timedelta(days=1), today=MONDAY, settings=SETTINGS)
