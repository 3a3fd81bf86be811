"""The planning section's pure parts: the dates a forecast counts, the week plan from read rows, the forecast's
error, and the textbook Erlang C (factorials) the section times as its baseline."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from acd.planning.erlang import PlanningInputError, agents_needed, meets
from acd.planning.forecast import forecast_week
from acd.planning.staffing import week_aht
from acd.planning.types import SlotFigures, SlotForecast, SlotKey, Staffing, Targets
from routing.calendar import day_periods
from routing.calendar_types import Calendar

# How far back the dates that count are looked for: enough for `weeks` dates of each weekday past holidays.
LOOKBACK_WEEKS = 26
Forecasts = dict[str, dict[tuple[int, int], SlotForecast]]


def counted_days(calendar: Calendar, before: date, weeks: int) -> list[date]:
    """The open dates before `before` that a forecast may rest on, at most `weeks` per weekday: not a public
    holiday, not closed or partly closed by an exception (docs/planning.md: what history.py hands the forecast)."""
    per_weekday: dict[int, int] = {}
    days: list[date] = []
    for back in range(1, LOOKBACK_WEEKS * 7 + 1):
        day = before - timedelta(days=back)
        if per_weekday.get(day.weekday(), 0) >= weeks:
            continue
        periods = day_periods(calendar, day)[0]
        if not periods or any(e.starts_on <= day <= e.ends_on for e in calendar.exceptions):
            continue
        per_weekday[day.weekday()] = per_weekday.get(day.weekday(), 0) + 1
        days.append(day)
    return days


def histories(rows: Iterable[Any]) -> dict[str, dict[SlotKey, SlotFigures]]:
    """queue -> SlotKey -> SlotFigures, from rows (queue, day, slot, offered, answered, answered_in_sl, abandoned,
    handled, handle_sum_s, wait_sum_s, staffed_s)."""
    out: dict[str, dict[SlotKey, SlotFigures]] = {}
    for r in rows:
        out.setdefault(r[0], {})[SlotKey(r[1], r[2])] = SlotFigures(*r[3:11])
    return out


def forecasts(history: Mapping[str, Mapping[SlotKey, SlotFigures]], days: Mapping[str, list[date]], weeks: int,
              decay: float) -> Forecasts:
    return {queue: forecast_week(history.get(queue, {}), queue_days, weeks, decay)
            for queue, queue_days in days.items()}


def plan_slots(forecast: Forecasts, targets: Mapping[str, Targets], shrinkage: float,
               needed: Any = agents_needed) -> dict[str, dict[tuple[int, int], Staffing | None]]:
    """What acd/planning/staffing.plan_week does (a slot's own AHT, else the queue's week mean; None where no
    call is forecast), with `needed` as the Erlang C: the baseline times the factorial one on the same plan."""
    plan: dict[str, dict[tuple[int, int], Staffing | None]] = {}
    for queue, slots in forecast.items():
        plan[queue] = {}
        fallback = week_aht(slots)
        for key, slot in sorted(slots.items()):
            aht = slot.aht_s if slot.aht_s else fallback
            if slot.calls <= 0 or aht is None:
                plan[queue][key] = None
                continue
            plan[queue][key] = needed(slot.calls * 2, aht, targets[queue], shrinkage)
    return plan


def factorial_erlang_c(agents: int, traffic: float) -> float:
    """The textbook formula, A^N/N! * N/(N-A) over Σ_{k<N} A^k/k! + that: float powers and factorials, so it
    raises OverflowError once N! or A^N leaves the float range (N ≥ 171)."""
    top = traffic**agents / math.factorial(agents) * agents / (agents - traffic)
    return top / (sum(traffic**k / math.factorial(k) for k in range(agents)) + top)


def factorial_agents_needed(calls_per_hour: float, aht_s: float, targets: Targets,
                            shrinkage: float = 0.0) -> Staffing:
    """The naive search: from the first stable count up, the whole formula again for every count tried."""
    if calls_per_hour <= 0 or aht_s <= 0:
        raise PlanningInputError("aucun trafic")
    traffic = calls_per_hour * aht_s / 3600
    agents = math.floor(traffic) + 1
    while True:
        p_wait = factorial_erlang_c(agents, traffic)
        spare = agents - traffic
        staffing = Staffing(agents, 1 - p_wait * math.exp(-spare * targets.target_seconds / aht_s), p_wait,
                            p_wait * aht_s / spare, traffic / agents, math.ceil(agents / (1 - shrinkage) - 1e-9))
        if meets(staffing, targets):
            return staffing
        agents += 1


def ape(forecast: Mapping[tuple[int, int], float], truth: Mapping[tuple[int, int], float]) -> list[float]:
    """Absolute percentage errors over the slots where `truth` has traffic."""
    return [abs(forecast.get(key, 0.0) - value) / value for key, value in truth.items() if value > 0]


def mape_table(forecast: Forecasts, actual: Mapping[str, Mapping[tuple[int, int], float]],
               expected: Mapping[str, Mapping[tuple[int, int], float]]) -> dict[str, dict[str, Any]]:
    """Per queue and pooled (`all`): MAPE (%) of the forecast against the held-out week's drawn calls, against its
    known expectation, and of that expectation against the drawn calls (the Poisson floor no forecast beats)."""
    rows: dict[str, dict[str, Any]] = {}
    pooled: dict[str, list[float]] = {"actual": [], "expected": [], "floor": []}
    for queue, slots in forecast.items():
        calls = {key: f.calls for key, f in slots.items()}
        errors = {"actual": ape(calls, actual[queue]), "expected": ape(calls, expected[queue]),
                  "floor": ape(expected[queue], actual[queue])}
        rows[queue] = {name: _pct(values) for name, values in errors.items()}
        rows[queue]["slots"] = len(errors["actual"])
        rows[queue]["calls"] = sum(actual[queue].values())
        for name, values in errors.items():
            pooled[name].extend(values)
    rows["all"] = {name: _pct(values) for name, values in pooled.items()}
    rows["all"]["slots"] = len(pooled["actual"])
    rows["all"]["calls"] = sum(r["calls"] for r in rows.values() if "calls" in r)
    return rows


def _pct(values: list[float]) -> float | None:
    return round(100 * statistics.fmean(values), 2) if values else None
