"""The reference week and the open half-hours of a queue in it (allo/planning/week.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from allo.planning.week import BadPlanRequest, open_slots, parse_week, slot_label, slot_of, week_key
from routing.calendar_types import Calendar, CalendarException, ExceptionKind, Period

TODAY = date(2026, 11, 25)  # a Wednesday
WEEKDAYS_9_TO_1730 = Calendar("general", weekly={d: (Period(time(9), time(17, 30)),) for d in range(5)})


def test_weeks_read_as_iso_weeks_or_dates_default_next_week():
    assert parse_week(None, TODAY) == date(2026, 11, 30)
    assert parse_week("", TODAY) == date(2026, 11, 30)
    assert parse_week("2026-W49", TODAY) == date(2026, 11, 30)
    assert parse_week("2026-12-03", TODAY) == date(2026, 11, 30)  # any date of the week
    assert parse_week("2020-W53", TODAY) == date(2020, 12, 28)
    assert week_key(date(2026, 11, 30)) == "2026-W49"
    assert week_key(date(2026, 12, 28)) == "2026-W53"


@pytest.mark.parametrize("text", ["2026-W54", "2026-13-01", "demain", "2026-W4"])
def test_an_unreadable_week_is_explained_in_french(text):
    with pytest.raises(BadPlanRequest, match="Semaine illisible"):
        parse_week(text, TODAY)


def test_open_half_hours_follow_the_calendar_of_that_date():
    monday = date(2026, 11, 30)
    assert open_slots(WEEKDAYS_9_TO_1730, monday) == tuple(range(18, 35))  # 09:00 .. 17:00-17:30
    assert open_slots(WEEKDAYS_9_TO_1730, date(2026, 12, 5)) == ()  # Saturday
    assert open_slots(WEEKDAYS_9_TO_1730, date(2026, 12, 25)) == ()  # Christmas, a public holiday
    closed = Calendar("general", weekly=WEEKDAYS_9_TO_1730.weekly, exceptions=(
        CalendarException(ExceptionKind.CLOSURE, monday, monday, (Period(time(12, 15), time(14)),)),))
    # 12:00-12:30 stays open (open until 12:15), 12:30..13:30 closed, 14:00 open again.
    assert open_slots(closed, monday) == (*range(18, 25), *range(28, 35))


def test_the_spring_clock_change_has_no_0200_half_hours():
    always = Calendar("all", weekly={d: (Period(time(0), time(0)),) for d in range(7)}, public_holidays=False)
    spring, autumn = open_slots(always, date(2026, 3, 29)), open_slots(always, date(2026, 10, 25))
    assert 4 not in spring and 5 not in spring and len(spring) == 46
    assert len(autumn) == 48  # the repeated hour folds into its slots
    assert open_slots(None, date(2026, 3, 29)) == spring


def test_slot_of_an_instant_and_its_label():
    assert slot_of(datetime(2026, 11, 23, 9, 0, tzinfo=UTC)) == (date(2026, 11, 23), 20)  # 10:00 in Paris
    assert slot_label(20) == "10:00\u201310:30"
    assert slot_label(47) == "23:30\u201300:00"
