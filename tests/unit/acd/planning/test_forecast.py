"""The week forecast from the half-hour history (acd/planning/forecast.py), with numbers worked by hand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from acd.planning.erlang import PlanningInputError
from acd.planning.forecast import forecast_week, used_days
from acd.planning.types import SLOTS_PER_DAY, SlotFigures, SlotKey

MON = date(2026, 11, 30)  # a Monday
TUE = MON + timedelta(days=1)


def weeks_back(day: date, k: int) -> date:
    return day - timedelta(weeks=k)


def test_recent_weeks_weigh_more_decay_power_k() -> None:
    # Mondays 0, 1, 2 weeks back offered 10, 20, 40 in slot 18 (9:00): weights 1, 0.5, 0.25.
    history = {SlotKey(weeks_back(MON, k), 18): SlotFigures(offered=n) for k, n in enumerate((10, 20, 40))}
    days = [weeks_back(MON, k) for k in range(3)]
    forecast = forecast_week(history, days, weeks=3, decay=0.5)
    # (1*10 + 0.5*20 + 0.25*40) / 1.75 = 30 / 1.75
    assert forecast[(0, 18)].calls == pytest.approx(30 / 1.75)
    assert forecast[(0, 18)].weeks == 3
    # decay 1: the plain mean
    assert forecast_week(history, days, weeks=3, decay=1.0)[(0, 18)].calls == pytest.approx(70 / 3)


def test_a_missing_row_on_an_included_day_is_zero_calls() -> None:
    history = {SlotKey(MON, 20): SlotFigures(offered=12)}  # the Monday a week back has no row at all
    forecast = forecast_week(history, [MON, weeks_back(MON, 1)], weeks=8, decay=0.5)
    assert forecast[(0, 20)].calls == pytest.approx(12 / 1.5)
    assert forecast[(0, 20)].weeks == 2
    assert forecast[(0, 21)].calls == 0.0
    assert forecast[(0, 21)].weeks == 2  # a quiet half-hour of days that count still rests on them


def test_an_excluded_day_is_skipped_and_the_older_week_moves_up() -> None:
    holiday = weeks_back(MON, 1)
    history = {SlotKey(MON, 18): SlotFigures(offered=10), SlotKey(holiday, 18): SlotFigures(offered=0),
               SlotKey(weeks_back(MON, 2), 18): SlotFigures(offered=30)}
    days = [MON, weeks_back(MON, 2), weeks_back(MON, 3)]  # the adapter left the holiday out
    forecast = forecast_week(history, days, weeks=2, decay=0.5)
    # MON (w 1) and two weeks back (w 0.5, the second date used), three weeks back beyond `weeks`
    assert forecast[(0, 18)].calls == pytest.approx((10 + 0.5 * 30) / 1.5)
    assert forecast[(0, 18)].weeks == 2


def test_weeks_counts_the_dates_actually_used_per_weekday() -> None:
    days = [weeks_back(MON, k) for k in range(5)] + [TUE]
    forecast = forecast_week({}, days, weeks=3, decay=0.8)
    assert {forecast[(0, s)].weeks for s in range(SLOTS_PER_DAY)} == {3}
    assert forecast[(1, 0)].weeks == 1
    assert forecast[(2, 0)].weeks == 0
    assert forecast[(2, 0)].calls == 0.0 and forecast[(2, 0)].aht_s is None
    assert len(forecast) == 7 * SLOTS_PER_DAY


def test_aht_and_expected_wait_are_weighted_ratios_of_sums() -> None:
    history = {
        SlotKey(MON, 30): SlotFigures(offered=4, answered=4, handled=2, handle_sum_s=600.0, wait_sum_s=40.0),
        SlotKey(weeks_back(MON, 1), 30): SlotFigures(offered=10, answered=8, handled=8, handle_sum_s=1600.0,
                                                     wait_sum_s=400.0),
    }
    f = forecast_week(history, [MON, weeks_back(MON, 1)], weeks=2, decay=0.5)[(0, 30)]
    # aht = (600 + 0.5*1600) / (2 + 0.5*8) = 1400 / 6 ; wait = (40 + 0.5*400) / (4 + 0.5*8) = 240 / 8
    assert f.aht_s == pytest.approx(1400 / 6)
    assert f.expected_wait_s == pytest.approx(30.0)
    assert f.calls == pytest.approx((4 + 5) / 1.5)


def test_nothing_handled_or_answered_gives_none_not_zero() -> None:
    history = {SlotKey(MON, 5): SlotFigures(offered=3, abandoned=3)}
    f = forecast_week(history, [MON], weeks=1, decay=0.8)[(0, 5)]
    assert f.calls == 3.0 and f.aht_s is None and f.expected_wait_s is None


def test_history_outside_the_days_that_count_is_ignored() -> None:
    history = {SlotKey(MON, 18): SlotFigures(offered=10), SlotKey(weeks_back(MON, 1), 18): SlotFigures(offered=99)}
    assert forecast_week(history, [MON], weeks=4, decay=0.8)[(0, 18)].calls == 10.0


def test_used_days_are_most_recent_first_and_deduplicated() -> None:
    days = [weeks_back(MON, 2), MON, MON, weeks_back(MON, 1)]
    assert used_days(days, 2)[0] == [MON, weeks_back(MON, 1)]


@pytest.mark.parametrize(("weeks", "decay"), [(0, 0.8), (-1, 0.8), (4, 0.0), (4, -0.5), (4, 1.5)])
def test_impossible_parameters_are_refused(weeks: int, decay: float) -> None:
    with pytest.raises(PlanningInputError):  # a ValueError, in French
        forecast_week({}, [MON], weeks=weeks, decay=decay)
