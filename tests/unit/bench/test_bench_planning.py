"""The planning section's pure parts (bench/sections/planning_measure.py): the dates a forecast counts, the forecast
error table on numbers worked by hand, and the textbook Erlang C baseline agreeing with the recursion where it can
and overflowing where the issue says it does."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from acd.planning.erlang import agents_needed, erlang_c
from acd.planning.types import SlotForecast, Targets
from bench.planning_gen import calendars
from bench.sections import planning_measure as pm

TARGETS = Targets(20.0, 80.0, 30.0)


def test_counted_days_skip_holidays_closures_and_closed_weekdays() -> None:
    cals = calendars(date(2025, 12, 1))
    before = date(2026, 11, 23)  # a Monday; 11 November (Armistice, a Wednesday) and 16 October (closure) before it
    days = pm.counted_days(cals["l1"], before, 8)
    assert date(2026, 11, 11) not in days and date(2026, 10, 16) not in days
    assert all(d < before for d in days) and not any(d.weekday() == 6 for d in days)
    wednesdays = sorted(d for d in days if d.weekday() == 2)
    assert len(wednesdays) == 8 and wednesdays[0] == date(2026, 9, 23)  # one week further back for the holiday
    assert len([d for d in days if d.weekday() == 5]) == 8  # level 1 opens on Saturday
    sector = pm.counted_days(cals["l2-travail"], before, 8)
    assert not any(d.weekday() == 5 for d in sector) and len(sector) == 40
    assert max(sector) == before - timedelta(days=3)


def test_mape_table_by_hand() -> None:
    forecast = {"q": {(0, 20): SlotForecast(0, 20, 90.0, 300.0, None, 8), (0, 21): SlotForecast(0, 21, 0.0, None,
                                                                                                    None, 8)}}
    actual = {"q": {(0, 20): 100, (0, 21): 0}}  # a slot without calls is left out
    expected = {"q": {(0, 20): 80.0, (0, 21): 5.0}}
    table = pm.mape_table(forecast, actual, expected)
    assert table["q"] == {"actual": 10.0, "expected": pytest.approx(56.25), "floor": 20.0, "slots": 1, "calls": 100}
    assert table["all"]["actual"] == 10.0 and table["all"]["slots"] == 1


@pytest.mark.parametrize(("calls_per_hour", "aht"), [(30, 300), (400, 300), (120, 600), (1000, 420)])
def test_factorial_baseline_agrees_with_the_recursion(calls_per_hour: float, aht: float) -> None:
    naive = pm.factorial_agents_needed(calls_per_hour, aht, TARGETS, 0.3)
    exact = agents_needed(calls_per_hour, aht, TARGETS, 0.3)
    assert (naive.agents, naive.scheduled) == (exact.agents, exact.scheduled)
    assert naive.service_level == pytest.approx(exact.service_level, rel=1e-9)
    assert pm.factorial_erlang_c(exact.agents, calls_per_hour * aht / 3600) == pytest.approx(
        erlang_c(exact.agents, calls_per_hour * aht / 3600), rel=1e-9)


def test_factorial_baseline_overflows_where_the_recursion_does_not() -> None:
    with pytest.raises(OverflowError):
        pm.factorial_agents_needed(2000, 360, TARGETS)  # 200 erlangs: 201! leaves the float range
    assert agents_needed(2000, 360, TARGETS).agents > 200


def test_plan_slots_skips_slots_without_calls() -> None:
    forecast = {"q": {(0, 20): SlotForecast(0, 20, 50.0, 300.0, None, 8),
                      (0, 21): SlotForecast(0, 21, 0.0, None, None, 0)}}
    plan = pm.plan_slots(forecast, {"q": TARGETS}, 0.3)
    assert plan["q"][0, 21] is None
    assert plan["q"][0, 20] == agents_needed(100, 300, TARGETS, 0.3)
