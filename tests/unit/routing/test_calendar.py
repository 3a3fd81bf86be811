"""Opening status of the real 3939 schedules: boundaries, holidays, exceptions, midnight and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from routing.calendar import (
    ClosedReason,
    OpenReason,
    day_periods,
    next_opening,
    status,
)
from routing.calendar_types import PARIS, Calendar, CalendarException, ExceptionKind, Period
from routing.service_hours import general_calendar, specialist_calendar


def period(opens: str, closes: str) -> Period:
    return Period(time.fromisoformat(opens), time.fromisoformat(closes))


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, fold: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=PARIS, fold=fold)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


GENERAL = general_calendar()
SPECIALIST = specialist_calendar()
MONDAY = date(2026, 6, 1)


def on(weekday: int, hhmmss: str) -> datetime:
    return datetime.combine(MONDAY + timedelta(days=weekday), time.fromisoformat(hhmmss), tzinfo=PARIS)


@pytest.mark.parametrize("weekday", range(5))
def test_general_weekday_boundaries(weekday: int) -> None:
    assert not status(GENERAL, on(weekday, "07:59:59")).is_open
    first = status(GENERAL, on(weekday, "08:00:00"))
    assert first.is_open
    assert first.reason is OpenReason.WEEKLY
    assert first.closes_at == on(weekday, "20:00:00")
    assert status(GENERAL, on(weekday, "19:59:59")).is_open
    last = status(GENERAL, on(weekday, "20:00:00"))
    assert not last.is_open
    assert last.reason is ClosedReason.OUTSIDE_HOURS
    assert last.exception is None


def test_general_saturday_and_sunday() -> None:
    assert not status(GENERAL, on(5, "08:29:59")).is_open
    assert status(GENERAL, on(5, "08:30:00")).is_open
    assert status(GENERAL, on(5, "18:29:59")).is_open
    assert not status(GENERAL, on(5, "18:30:00")).is_open
    for hhmmss in ("00:00:00", "08:00:00", "12:00:00", "23:59:59"):
        sunday = status(GENERAL, on(6, hhmmss))
        assert not sunday.is_open
        assert sunday.reason is ClosedReason.OUTSIDE_HOURS
        assert sunday.next_open == on(7, "08:00:00")


@pytest.mark.parametrize(
    ("weekday", "hhmmss", "expected"),
    [
        (0, "08:29:59", False),
        (0, "08:30:00", True),
        (0, "18:14:59", True),
        (0, "18:15:00", False),
        (1, "08:30:00", True),
        (1, "12:59:59", True),
        (1, "13:00:00", False),
        (1, "15:00:00", False),
        (2, "10:00:00", True),
        (2, "13:00:00", False),
        (3, "18:14:59", True),
        (3, "18:15:00", False),
        (4, "10:00:00", False),
        (4, "12:59:59", False),
        (4, "13:00:00", True),
        (4, "16:59:59", True),
        (4, "17:00:00", False),
        (5, "10:00:00", False),
        (6, "10:00:00", False),
    ],
)
def test_specialist_each_weekday(weekday: int, hhmmss: str, expected: bool) -> None:
    assert status(SPECIALIST, on(weekday, hhmmss)).is_open is expected


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 5, 1), "Fête du Travail"),
        (date(2026, 7, 14), "Fête nationale"),
        (date(2026, 12, 25), "Noël"),
        (date(2026, 4, 6), "Lundi de Pâques"),
        (date(2027, 3, 29), "Lundi de Pâques"),
        (date(2028, 4, 17), "Lundi de Pâques"),
        (date(2027, 5, 6), "Ascension"),
        (date(2027, 5, 17), "Lundi de Pentecôte"),
    ],
)
def test_public_holidays_are_closed_with_their_french_name(day: date, name: str) -> None:
    assert day.weekday() < 5  # each would be open without the holiday
    state = status(GENERAL, datetime.combine(day, time(10), tzinfo=PARIS))
    assert not state.is_open
    assert state.reason is ClosedReason.PUBLIC_HOLIDAY
    assert state.holiday_name == name
    assert day_periods(GENERAL, day) == ((), ClosedReason.PUBLIC_HOLIDAY, None, name)


def test_public_holidays_can_be_ignored() -> None:
    calendar = Calendar("no-holidays", weekly=GENERAL.weekly, public_holidays=False)
    state = status(calendar, paris(2026, 5, 1, 10))
    assert state.is_open
    assert state.holiday_name is None


def test_alsace_moselle_subdivision_adds_its_days() -> None:
    moselle = Calendar("moselle", weekly=GENERAL.weekly, holiday_subdivision="57")
    assert status(GENERAL, paris(2026, 12, 26, 10)).is_open  # a Saturday, open elsewhere
    state = status(moselle, paris(2026, 12, 26, 10))
    assert not state.is_open
    assert state.holiday_name == "Saint-Étienne"
    assert status(moselle, paris(2026, 4, 3, 10)).holiday_name == "Vendredi saint"


def test_exceptional_opening_on_a_public_holiday_uses_the_weekly_hours() -> None:
    opening = CalendarException(ExceptionKind.OPENING, date(2026, 5, 1), date(2026, 5, 1))
    calendar = Calendar("general", weekly=GENERAL.weekly, exceptions=(opening,))
    state = status(calendar, paris(2026, 5, 1, 10))
    assert state.is_open
    assert state.reason is OpenReason.EXCEPTIONAL_OPENING
    assert state.exception == opening
    assert state.holiday_name == "Fête du Travail"
    assert state.closes_at == paris(2026, 5, 1, 20)
    evening = status(calendar, paris(2026, 5, 1, 20))
    assert not evening.is_open
    assert evening.reason is ClosedReason.OUTSIDE_HOURS


def test_exceptional_opening_with_its_own_periods() -> None:
    opening = CalendarException(ExceptionKind.OPENING, date(2026, 6, 7), date(2026, 6, 7), (period("09:00", "12:00"),))
    calendar = Calendar("general", weekly=GENERAL.weekly, exceptions=(opening,))
    assert not status(calendar, on(6, "08:59:59")).is_open
    assert status(calendar, on(6, "09:00:00")).reason is OpenReason.EXCEPTIONAL_OPENING
    assert not status(calendar, on(6, "12:00:00")).is_open
    assert status(GENERAL, on(5, "19:00")).next_open == on(7, "08:00")
    assert status(calendar, on(5, "19:00")).next_open == on(6, "09:00")


def test_whole_day_closure_over_a_date_range() -> None:
    closure = CalendarException(
        ExceptionKind.CLOSURE,
        date(2026, 12, 24),
        date(2026, 12, 31),
        message_prompt="allo/fermeture-fetes",
        message_text="Le service est fermé pendant les fêtes.",
    )
    calendar = Calendar("general", weekly=GENERAL.weekly, exceptions=(closure,))
    for day in (date(2026, 12, 24), date(2026, 12, 28), date(2026, 12, 31)):
        state = status(calendar, datetime.combine(day, time(10), tzinfo=PARIS))
        assert not state.is_open
        assert state.reason is ClosedReason.EXCEPTIONAL_CLOSURE
        assert state.exception is closure
        assert state.exception.message_prompt == "allo/fermeture-fetes"
    assert status(calendar, paris(2026, 12, 23, 10)).is_open
    # 2027-01-01 is a public holiday (Friday), 2027-01-02 a Saturday
    assert status(calendar, paris(2026, 12, 24, 10)).next_open == paris(2027, 1, 2, 8, 30)


def test_closure_wins_over_an_opening_on_the_same_day() -> None:
    opening = CalendarException(ExceptionKind.OPENING, date(2026, 6, 1), date(2026, 6, 7))
    closure = CalendarException(ExceptionKind.CLOSURE, date(2026, 6, 3), date(2026, 6, 3))
    calendar = Calendar("general", weekly=GENERAL.weekly, exceptions=(opening, closure))
    assert status(calendar, on(1, "10:00")).reason is OpenReason.EXCEPTIONAL_OPENING
    state = status(calendar, on(2, "10:00"))
    assert not state.is_open
    assert state.exception is closure


def test_partial_closure_closes_only_its_hours() -> None:
    closure = CalendarException(ExceptionKind.CLOSURE, date(2026, 6, 2), date(2026, 6, 2), (period("14:00", "16:00"),))
    calendar = Calendar("general", weekly=GENERAL.weekly, exceptions=(closure,))
    morning = status(calendar, on(1, "13:00"))
    assert morning.is_open
    assert morning.closes_at == on(1, "14:00")
    assert status(calendar, on(1, "13:59:59")).is_open
    during = status(calendar, on(1, "14:00"))
    assert not during.is_open
    assert during.reason is ClosedReason.EXCEPTIONAL_CLOSURE
    assert during.exception is closure
    assert during.next_open == on(1, "16:00")
    assert not status(calendar, on(1, "15:59:59")).is_open
    assert status(calendar, on(1, "16:00")).is_open
    evening = status(calendar, on(1, "21:00"))
    assert evening.reason is ClosedReason.OUTSIDE_HOURS
    assert evening.exception is None
    assert status(calendar, on(2, "15:00")).is_open  # the next day is untouched
    periods, reason, exception, _ = day_periods(calendar, on(1, "00:00").date())
    assert periods == (period("08:00", "14:00"), period("16:00", "20:00"))
    assert reason is OpenReason.WEEKLY
    assert exception is None


def test_partial_closure_over_all_hours_closes_the_day() -> None:
    closure = CalendarException(ExceptionKind.CLOSURE, date(2026, 6, 6), date(2026, 6, 6), (period("08:00", "19:00"),))
    calendar = Calendar("general", weekly=GENERAL.weekly, exceptions=(closure,))
    assert day_periods(calendar, date(2026, 6, 6)) == ((), ClosedReason.EXCEPTIONAL_CLOSURE, closure, None)
    assert status(calendar, on(5, "18:45")).reason is ClosedReason.EXCEPTIONAL_CLOSURE


def test_partial_closure_also_cuts_an_exceptional_opening() -> None:
    opening = CalendarException(ExceptionKind.OPENING, date(2026, 5, 1), date(2026, 5, 1))
    closure = CalendarException(ExceptionKind.CLOSURE, date(2026, 5, 1), date(2026, 5, 1), (period("12:00", "20:00"),))
    calendar = Calendar("general", weekly=GENERAL.weekly, exceptions=(closure, opening))
    assert status(calendar, paris(2026, 5, 1, 11)).reason is OpenReason.EXCEPTIONAL_OPENING
    state = status(calendar, paris(2026, 5, 1, 12))
    assert not state.is_open
    assert state.exception is closure


NIGHT = Calendar(
    "night",
    weekly={4: (period("22:00", "00:00"),), 5: (period("00:00", "02:00"),)},
    public_holidays=False,
)


def test_periods_until_and_from_midnight() -> None:
    assert not status(NIGHT, on(4, "21:59:59")).is_open
    assert status(NIGHT, on(4, "21:59:59")).next_open == on(4, "22:00")
    late = status(NIGHT, datetime.combine(MONDAY + timedelta(days=4), time(23, 59, 59, 999_999), tzinfo=PARIS))
    assert late.is_open
    assert late.closes_at == on(5, "02:00")  # the Saturday period continues the Friday one
    assert status(NIGHT, on(5, "00:00")).is_open
    assert status(NIGHT, on(5, "01:59:59")).is_open
    after = status(NIGHT, on(5, "02:00"))
    assert not after.is_open
    assert after.next_open == on(11, "22:00")
    # from inside the night, the 00:00 continuation is not an opening
    assert next_opening(NIGHT, on(4, "23:00")) == on(11, "22:00")
    assert day_periods(NIGHT, MONDAY + timedelta(days=4))[0] == (period("22:00", "00:00"),)


def test_period_until_midnight_alone_closes_at_midnight() -> None:
    calendar = Calendar("evening", weekly={0: (period("18:00", "00:00"),)}, public_holidays=False)
    assert status(calendar, on(0, "23:59:59")).closes_at == on(1, "00:00")
    assert not status(calendar, on(1, "00:00")).is_open


def test_dst_spring_forward_week_uses_local_wall_clock() -> None:
    # 2026-03-29: clocks go from 02:00 CET to 03:00 CEST; the following Monday is UTC+2
    assert status(GENERAL, utc(2026, 3, 30, 6)).is_open
    assert status(GENERAL, utc(2026, 3, 30, 6)).local_now == paris(2026, 3, 30, 8)
    assert not status(GENERAL, utc(2026, 3, 30, 5, 59)).is_open
    assert status(GENERAL, utc(2026, 3, 27, 7)).is_open  # the Friday before, UTC+1
    assert not status(GENERAL, utc(2026, 3, 27, 6, 59)).is_open
    assert _utc(next_opening(GENERAL, paris(2026, 3, 28, 19))) == utc(2026, 3, 30, 6)


def test_dst_autumn_back_week_uses_local_wall_clock() -> None:
    # 2026-10-25: clocks go from 03:00 CEST back to 02:00 CET; the following Monday is UTC+1
    assert status(GENERAL, utc(2026, 10, 26, 7)).is_open
    assert not status(GENERAL, utc(2026, 10, 26, 6, 59)).is_open
    assert status(GENERAL, utc(2026, 10, 23, 6)).is_open  # the Friday before, UTC+2
    assert _utc(next_opening(GENERAL, paris(2026, 10, 24, 19))) == utc(2026, 10, 26, 7)


def _utc(moment: datetime | None) -> datetime:
    assert moment is not None
    return moment.astimezone(UTC)


SUNDAY_NIGHT = Calendar("sunday-night", weekly={6: (period("02:00", "04:00"),)}, public_holidays=False)


def test_non_existent_local_time_does_not_crash() -> None:
    skipped = paris(2026, 3, 29, 2, 30)  # never shown on a Paris clock
    state = status(SUNDAY_NIGHT, skipped)
    assert state.local_now.utcoffset() == timedelta(hours=2)
    assert state.local_now == paris(2026, 3, 29, 3, 30)
    assert state.is_open
    # the 02:00 opening happens at the jump, 03:00 CEST (01:00 UTC)
    assert _utc(next_opening(SUNDAY_NIGHT, paris(2026, 3, 29, 1))) == utc(2026, 3, 29, 1)
    assert status(SUNDAY_NIGHT, paris(2026, 3, 29, 1, 59, 59)).next_open == paris(2026, 3, 29, 3)


def test_period_entirely_skipped_by_dst_is_not_an_opening() -> None:
    calendar = Calendar("gap", weekly={6: (period("02:00", "02:45"),)}, public_holidays=False)
    assert next_opening(calendar, paris(2026, 3, 28, 12)) == paris(2026, 4, 5, 2)


def test_period_closing_in_the_dst_gap_closes_at_the_jump() -> None:
    calendar = Calendar("gap", weekly={6: (period("01:00", "02:30"),)}, public_holidays=False)
    assert _utc(status(calendar, paris(2026, 3, 29, 1, 30)).closes_at) == utc(2026, 3, 29, 1)


def test_ambiguous_local_time_does_not_crash() -> None:
    first, second = paris(2026, 10, 25, 2, 10, fold=0), paris(2026, 10, 25, 2, 10, fold=1)
    assert _utc(first) == utc(2026, 10, 25, 0, 10)
    assert _utc(second) == utc(2026, 10, 25, 1, 10)
    assert status(SUNDAY_NIGHT, first).is_open
    assert status(SUNDAY_NIGHT, second).is_open
    assert _utc(status(SUNDAY_NIGHT, first).closes_at) == utc(2026, 10, 25, 3)
    late = Calendar("late", weekly={6: (period("02:30", "04:00"),)}, public_holidays=False)
    assert status(late, paris(2026, 10, 25, 2, 45, fold=0)).is_open
    reopening = status(late, second)  # 02:10 CET, after 02:59 CEST went back to 02:00
    assert not reopening.is_open
    assert _utc(reopening.next_open) == utc(2026, 10, 25, 1, 30)
    # at 03:00 CEST the clock goes back to 02:00 CET, out of 02:30-04:00 for half an hour
    assert _utc(status(late, paris(2026, 10, 25, 2, 45, fold=0)).closes_at) == utc(2026, 10, 25, 1)
    # ... and back into 01:30-02:30 for half an hour
    early = Calendar("early", weekly={6: (period("01:30", "02:30"),)}, public_holidays=False)
    assert not status(early, paris(2026, 10, 25, 2, 45, fold=0)).is_open
    assert _utc(status(early, paris(2026, 10, 25, 2, 45, fold=0)).next_open) == utc(2026, 10, 25, 1)
    assert _utc(status(early, paris(2026, 10, 25, 2, 15, fold=1)).closes_at) == utc(2026, 10, 25, 1, 30)


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        status(GENERAL, datetime(2026, 6, 1, 10))
    with pytest.raises(ValueError, match="timezone-aware"):
        next_opening(GENERAL, datetime(2026, 6, 1, 10))


def test_status_in_the_calendar_timezone_whatever_the_input_zone() -> None:
    state = status(GENERAL, utc(2026, 6, 1, 8))
    assert state.local_now.tzinfo == PARIS
    assert state.local_now == on(0, "10:00")
    assert status(GENERAL, datetime(2026, 6, 1, 4, tzinfo=ZoneInfo("America/New_York"))) == state


def test_next_opening() -> None:
    assert next_opening(GENERAL, on(5, "19:00")) == on(7, "08:00")
    assert next_opening(SPECIALIST, on(4, "17:00")) == on(7, "08:30")
    assert next_opening(SPECIALIST, on(4, "12:00")) == on(4, "13:00")
    assert next_opening(SPECIALIST, on(4, "13:00")) == on(7, "08:30")  # strictly after
    # Saturday before Easter Monday 2026-04-06: the next opening is Tuesday
    assert next_opening(GENERAL, paris(2026, 4, 4, 19)) == paris(2026, 4, 7, 8)
    # Thursday 2026-04-30 evening: Friday is 1 May, Saturday opens at 08:30
    assert next_opening(GENERAL, paris(2026, 4, 30, 20)) == paris(2026, 5, 2, 8, 30)
    assert status(GENERAL, paris(2026, 5, 1, 10)).next_open == paris(2026, 5, 2, 8, 30)


def test_next_opening_within_the_horizon() -> None:
    assert next_opening(Calendar("never"), on(0, "10:00")) is None
    assert status(Calendar("never"), on(0, "10:00")).next_open is None
    assert next_opening(GENERAL, on(5, "19:00"), horizon_days=1) is None
    assert next_opening(GENERAL, on(5, "19:00"), horizon_days=2) == on(7, "08:00")
