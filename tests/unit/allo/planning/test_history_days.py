"""The past days a forecast counts (allo/planning/history.py): public holidays the calendar observes and days an
exceptional closure touches are left out, and nothing before the summary starts."""

from __future__ import annotations

from datetime import date, time

from allo.planning.history import calendar_of, counted_days, left_out
from routing.calendar_types import Calendar, CalendarException, ExceptionKind, Period
from routing.rules import RulesSnapshot, Sector, Service

WEEKDAYS = {d: (Period(time(8, 30), time(18)),) for d in range(5)}
PARTIAL = CalendarException(ExceptionKind.CLOSURE, date(2026, 11, 19), date(2026, 11, 19),
                            periods=(Period(time(14), time(18)),))
WHOLE = CalendarException(ExceptionKind.CLOSURE, date(2026, 11, 16), date(2026, 11, 17))
OPENING = CalendarException(ExceptionKind.OPENING, date(2026, 11, 21), date(2026, 11, 21))
GENERAL = Calendar("general", weekly=WEEKDAYS, exceptions=(WHOLE, PARTIAL, OPENING))
SPECIALIST = Calendar("specialist", weekly=WEEKDAYS, public_holidays=False)


def test_holidays_and_closures_whole_or_partial_are_left_out() -> None:
    assert left_out(GENERAL, date(2026, 11, 11))  # Armistice, a Wednesday
    assert left_out(GENERAL, date(2026, 11, 1))  # All Saints' Day, a Sunday (closed anyway)
    assert left_out(GENERAL, date(2026, 11, 16)) and left_out(GENERAL, date(2026, 11, 17))
    assert left_out(GENERAL, date(2026, 11, 19))  # closed in the afternoon only: an odd day all the same
    assert not left_out(GENERAL, date(2026, 11, 18))
    assert not left_out(GENERAL, date(2026, 11, 21))  # an exceptional opening is a day like another
    assert not left_out(GENERAL, date(2026, 11, 22))  # an ordinary Sunday: closed, but its zeros are real
    assert not left_out(SPECIALIST, date(2026, 11, 11))  # a calendar that does not observe holidays
    assert not left_out(None, date(2026, 11, 11))  # no rules: every day counts


def test_counted_days_start_with_the_summary() -> None:
    days = counted_days(GENERAL, date(2026, 11, 1), date(2026, 11, 23), date(2026, 11, 9))
    assert days[0] == date(2026, 11, 9) and days[-1] == date(2026, 11, 22)
    assert set(days).isdisjoint({date(2026, 11, 11), date(2026, 11, 16), date(2026, 11, 17), date(2026, 11, 19)})
    assert len(days) == 14 - 4
    assert counted_days(GENERAL, date(2026, 11, 1), date(2026, 11, 23), None) == []


def test_a_queue_has_its_service_calendar_and_an_unknown_one_level_1s() -> None:
    rules = RulesSnapshot(version=1, calendars={"general": GENERAL, "specialist": SPECIALIST}, menus={},
                          services={"general": Service("general", "G", "general", 1, "l1"),
                                    "specialist": Service("specialist", "S", "specialist", 2, "l2-travail")},
                          sectors={"logement": Sector("logement", "Logement", "l2-logement", "specialist")})
    assert calendar_of(rules, "l1") is GENERAL
    assert calendar_of(rules, "l2-logement") is SPECIALIST
    assert calendar_of(rules, "overflow") is GENERAL
    assert calendar_of(None, "l1") is None
