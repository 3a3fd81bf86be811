"""The planning bench's generated year (bench/planning_gen.py) on a small volume: rows only in open half-hours,
holidays and exceptional closures empty, level 1 the largest queue, the known weekly shape visible in the draws,
consistent rows, deterministic for a seed; the Poisson sampler's mean and variance."""

from __future__ import annotations

import random
import statistics
from collections import Counter
from datetime import date, time, timedelta

import pytest

from bench.planning_gen import (
    QUEUES,
    Year,
    actual_week,
    closures,
    expected_week,
    generate,
    intraday,
    open_fraction,
    poisson,
)
from routing.calendar_types import Period

TOTAL = 300_000


@pytest.fixture(scope="module")
def year() -> Year:
    return generate(TOTAL, seed=7)


def test_deterministic_for_a_seed(year: Year) -> None:
    again = generate(TOTAL, seed=7)
    assert again.rows == year.rows
    assert generate(TOTAL, seed=8).rows != year.rows


def test_total_and_shares(year: Year) -> None:
    assert abs(year.calls - TOTAL) < 0.01 * TOTAL
    assert year.calls == sum(r.offered for r in year.rows)
    assert abs(sum(year.expected.values()) - TOTAL) < 1e-6 * TOTAL
    per_queue = Counter[str]()
    for row in year.rows:
        per_queue[row.queue] += row.offered
    assert set(per_queue) == set(QUEUES)
    assert per_queue.most_common(1)[0][0] == "l1"
    for queue, (share, _) in QUEUES.items():
        assert per_queue[queue] / year.calls == pytest.approx(share, abs=0.01)


def test_rows_only_within_opening_hours(year: Year) -> None:
    for row in year.rows:
        weekday = row.day.weekday()
        assert weekday != 6, row
        if row.queue == "l1":
            assert (16 <= row.slot < 40) if weekday < 5 else (17 <= row.slot < 37), row
        else:
            assert weekday != 5, row
            last = {0: 36, 1: 25, 2: 25, 3: 36, 4: 33}[weekday]
            first = 26 if weekday == 4 else 17
            assert first <= row.slot <= last, row


def test_holidays_and_closures_are_empty(year: Year) -> None:
    by_day = Counter[tuple[str, date]]()
    for row in year.rows:
        by_day[row.queue, row.day] += row.offered
    christmas, whole_day, afternoon, late = date(2025, 12, 25), *(c.starts_on for c in closures(year.start))
    for queue in QUEUES:
        assert (queue, christmas) not in by_day
        assert (queue, whole_day) not in by_day and (queue, late) not in by_day
        assert year.closed_days[queue][christmas] == "Noël"
        assert year.closed_days[queue][whole_day] == "exceptional_closure"
        assert year.closed_days[queue][afternoon] == "partial_closure"
    assert afternoon.weekday() == 3  # a Thursday: level 1 and the sectors open in the morning, closed at 13:00
    morning = [r for r in year.rows if r.day == afternoon]
    assert morning and all(r.slot < 26 for r in morning)
    assert date(2026, 11, 11) in year.closed_days["l1"]  # Armistice, inside the forecast's weeks
    assert whole_day.weekday() < 5 and late.weekday() < 5


def test_known_weekly_shape_in_the_draws(year: Year) -> None:
    per_weekday = Counter[int]()
    per_slot = Counter[int]()
    for row in year.rows:
        if row.queue == "l1":
            per_weekday[row.day.weekday()] += row.offered
            per_slot[row.slot] += row.offered
    assert per_weekday[0] > per_weekday[1] > per_weekday[4] > per_weekday[5] > 0
    assert per_slot[20] > per_slot[25] < per_slot[29]  # 10:00 peak, lunch dip at 12:30, afternoon peak
    assert intraday(20) > intraday(25) < intraday(29)
    monday = year.start + timedelta(weeks=51)
    expected, actual = expected_week(year, monday), actual_week(year, monday)
    assert set(actual["l1"]) <= set(expected["l1"])
    assert sum(actual["l1"].values()) == pytest.approx(sum(expected["l1"].values()), rel=0.1)


def test_rows_are_consistent(year: Year) -> None:
    for row in year.rows:
        assert row.offered > 0
        assert row.answered + row.abandoned + row.short_abandoned == row.offered  # as the summary counts them
        assert row.answered_in_sl <= row.answered
        assert row.handled == row.answered
        assert (row.handle_sum_s > 0) == (row.answered > 0)
        assert row.staffed_s > 0 and row.wait_sum_s >= 0


def test_open_fraction_counts_partial_half_hours() -> None:
    shares = open_fraction((Period(time(8, 30), time(18, 15)),))
    assert min(shares) == 17 and max(shares) == 36
    assert shares[17] == 1.0 and shares[36] == 0.5
    assert open_fraction((Period(time(13), time(17)),)) == {s: 1.0 for s in range(26, 34)}


@pytest.mark.parametrize("lam", [3.0, 120.0, 1300.0])  # 1300: three chunks of at most 500
def test_poisson_mean_and_variance(lam: float) -> None:
    rng = random.Random(1)
    draws = [poisson(rng, lam) for _ in range(3000)]
    assert statistics.fmean(draws) == pytest.approx(lam, rel=0.02)
    assert statistics.variance(draws) == pytest.approx(lam, rel=0.1)
