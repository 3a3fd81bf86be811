"""The best hours to call: the quietest open ranges, merged, ties to the earlier, and how they are said."""

from __future__ import annotations

from datetime import date, time

from acd.planning.best_hours import (
    MAX_RANGE_SLOTS,
    NO_HISTORY_TEXT,
    BestRange,
    best_hours_prompts,
    best_hours_text,
    best_ranges,
    open_slots,
)
from routing.calendar_types import Calendar, CalendarException, ExceptionKind, Period
from routing.speech import WORD_PROMPTS

BUSY = 600.0
OPEN = {(day, slot) for day in range(5) for slot in range(16, 34)}  # Monday to Friday, 8:00 to 17:00


def waits(quiet: dict[tuple[int, int], float]) -> dict[tuple[int, int], float | None]:
    return {slot: quiet.get(slot, BUSY) for slot in OPEN}


def test_the_quiet_slots_become_merged_ranges_in_week_order() -> None:
    quiet = {(1, 28): 30.0, (1, 29): 30.0, (1, 30): 30.0, (1, 31): 30.0,  # Tuesday 14:00-16:00
             (3, 18): 40.0, (3, 19): 50.0, (3, 20): 60.0,  # Thursday 9:00-10:30
             (0, 16): 90.0}  # Monday 8:00-8:30
    ranges = best_ranges(waits(quiet), OPEN, 3)
    assert ranges == [BestRange(0, 16, 17, 90.0), BestRange(1, 28, 32, 30.0), BestRange(3, 18, 21, 50.0)]
    assert best_hours_text(ranges[1:]) == ("Les meilleurs moments pour appeler sont le mardi de 14 h à 16 h et le "
                                          "jeudi de 9 h à 10 h 30.")
    assert best_hours_text(ranges).startswith("Les meilleurs moments pour appeler sont le lundi de 8 h à 8 h 30, le "
                                              "mardi de 14 h à 16 h et le jeudi")


def test_ties_go_to_the_earlier_slot() -> None:
    quiet = {(4, 20): 10.0, (2, 20): 10.0, (0, 30): 10.0}
    assert best_ranges(waits(quiet), OPEN, 2) == [BestRange(0, 30, 31, 10.0), BestRange(2, 20, 21, 10.0)]
    flat = {slot: 60.0 for slot in OPEN}  # all alike: the start of the week, in ranges of two hours at most
    assert best_ranges(flat, OPEN, 1) == [BestRange(0, 16, 16 + MAX_RANGE_SLOTS, 60.0)]


def test_only_open_slots_with_a_measured_wait_count() -> None:
    measured: dict[tuple[int, int], float | None] = {(5, 20): 1.0, (0, 20): None, (0, 21): 100.0, (0, 22): 500.0}
    assert best_ranges(measured, OPEN, 1) == [BestRange(0, 21, 22, 100.0)]  # Saturday is closed, 10:00 unmeasured


def test_no_history_no_ranges_a_french_sentence_and_nothing_said() -> None:
    assert best_ranges({}, OPEN, 3) == []
    assert best_ranges({slot: None for slot in OPEN}, OPEN, 3) == []
    assert best_hours_text([]) == NO_HISTORY_TEXT
    assert best_hours_prompts([]) == []


def test_the_prompts_say_days_and_hours_with_word_prompts() -> None:
    ranges = [BestRange(1, 28, 32, 30.0), BestRange(3, 18, 21, 50.0), BestRange(4, 46, 48, 5.0)]
    prompts = best_hours_prompts(ranges)
    assert prompts == [
        "allo/mots/meilleurs-moments",
        "allo/mots/le", "allo/jours/mardi", "allo/mots/de", "allo/nombres/14", "allo/mots/heures", "allo/mots/a",
        "allo/nombres/16", "allo/mots/heures",
        "allo/mots/le", "allo/jours/jeudi", "allo/mots/de", "allo/nombres/9", "allo/mots/heures", "allo/mots/a",
        "allo/nombres/10", "allo/mots/heures", "allo/nombres/30",
        "allo/mots/et", "allo/mots/le", "allo/jours/vendredi", "allo/mots/de", "allo/nombres/23", "allo/mots/heures",
        "allo/mots/a", "allo/mots/minuit",
    ]
    assert all(name in WORD_PROMPTS for name in prompts)  # set-up synthesises every one of them
    assert best_hours_text(ranges[2:]).endswith("le vendredi de 23 h à minuit.")


def test_open_slots_follow_the_live_calendar_of_the_upcoming_week() -> None:
    calendar = Calendar("general", weekly={0: (Period(time(8, 30), time(10, 15)),),
                                           1: (Period(time(9), time(10)),)},
                        exceptions=(CalendarException(ExceptionKind.CLOSURE, date(2026, 12, 8), date(2026, 12, 8)),))
    week = [date(2026, 12, 7), date(2026, 12, 8)]  # Monday, Tuesday (closed that day)
    assert open_slots(calendar, week) == {(0, 17), (0, 18), (0, 19)}  # 10:00-10:30 is not open whole
