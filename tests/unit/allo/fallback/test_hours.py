"""The fallback's opening hours rendered as dialplan, read back the way Asterisk reads them."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from allo.fallback.hours import closed_ranges, open_ranges, render_hours, time_range
from routing.calendar import status
from routing.calendar_types import PARIS, Calendar, CalendarException, ExceptionKind, Period
from routing.rules import RulesSnapshot, Service
from routing.service_hours import general_calendar

HEARD: list[tuple[datetime, datetime]] = []


def reopening(next_open: datetime, moment: datetime) -> list[str]:
    HEARD.append((next_open, moment))
    local = next_open.astimezone(PARIS)
    return ["allo/mots/rouvrira", f"allo/test/{local:%Y%m%d-%H%M}"]


def rules(calendar: Calendar, version: int = 7) -> RulesSnapshot:
    return RulesSnapshot(version=version, services={"general": Service("general", "Allô", calendar.name, 1, "l1")},
                         calendars={calendar.name: calendar}, sectors={}, menus={})


def extensions(text: str) -> dict[str, list[str]]:
    """Each extension's applications, in priority order."""
    found: dict[str, list[str]] = {}
    current = ""
    for line in text.splitlines():
        if match := re.match(r"exten => ([^,]+),1,(.*)", line):
            current = match.group(1)
            found[current] = [match.group(2)]
        elif line.startswith(" same => n,"):
            found[current].append(line.removeprefix(" same => n,"))
    return found


def in_range(spec: str, minute: int) -> bool:
    first, last = (int(t[:2]) * 60 + int(t[3:]) for t in spec.split("-"))
    return first <= minute <= last


def asterisk_says(text: str, moment: datetime) -> tuple[str, str]:
    """What [allo-hours] does at `moment`: ("open", "") or ("closed", the prompts said), as Asterisk would run
    it (the date chosen by STRFTIME in Paris time, GotoIfTime ranges including their last minute)."""
    local = moment.astimezone(PARIS)
    exts = extensions(text)
    minute = local.hour * 60 + local.minute
    weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[local.weekday()]
    for app in exts.get(f"{local:%Y%m%d}", exts["weekly"]):
        if match := re.fullmatch(r"GotoIfTime\(([0-9:-]+),([a-z*]+),\*,\*,Europe/Paris\?(.+)\)", app):
            if in_range(match.group(1), minute) and match.group(2) in ("*", weekday):
                return outcome(exts, match.group(3))
        elif match := re.fullmatch(r"Goto\((.+)\)", app):
            return outcome(exts, match.group(1))
    raise AssertionError(f"no decision at {local}")


def outcome(exts: dict[str, list[str]], label: str) -> tuple[str, str]:
    if label == "allo-fallback,open,1":
        return "open", ""
    name = label.removesuffix(",1")
    said = exts[name][0]
    assert said.startswith("Set(ALLO_CLOSED_PROMPTS=") and exts[name][1] == "Goto(allo-fallback,closed,1)"
    return "closed", said.removeprefix("Set(ALLO_CLOSED_PROMPTS=").removesuffix(")")


def test_minutes_of_a_period_include_the_opening_and_stop_a_minute_before_closing():
    assert open_ranges([Period(time(8), time(20))]) == [(480, 1199)]
    assert open_ranges([Period(time(20), time(0))]) == [(1200, 1439)]
    assert open_ranges([Period(time(14), time(18)), Period(time(8), time(12)), Period(time(11), time(13))]) == [
        (480, 779), (840, 1079)]
    assert open_ranges([Period(time(8, 0, 30), time(9, 0, 30))]) == [(481, 540)]
    assert closed_ranges([(480, 1199)]) == [(0, 479), (1200, 1439)]
    assert closed_ranges([]) == [(0, 1439)]
    assert closed_ranges([(0, 1439)]) == []
    assert time_range((480, 1199)) == "08:00-19:59"


def test_a_weekday_of_the_real_hours_is_open_from_8_to_20_and_says_when_it_reopens():
    now = datetime(2026, 12, 7, 9, tzinfo=PARIS)  # a Monday
    text = render_hours(rules(general_calendar()), now, reopening, days=3)
    monday = extensions(text)["20261207"]
    assert monday[0] == "GotoIfTime(08:00-19:59,*,*,*,Europe/Paris?allo-fallback,open,1)"
    assert "rules version 7 from 2026-12-07, 3 days" in text
    assert set(extensions(text)) >= {"s", "20261207", "20261208", "20261209", "weekly"}
    assert "20261210" not in extensions(text)
    assert asterisk_says(text, datetime(2026, 12, 7, 7, 59, tzinfo=PARIS)) == (
        "closed", "allo/service-ferme&allo/mots/rouvrira&allo/test/20261207-0800&allo/site-internet&allo/au-revoir")
    assert asterisk_says(text, datetime(2026, 12, 7, 20, 0, tzinfo=PARIS))[1].count("allo/test/20261208-0800") == 1


def test_an_exceptional_closure_of_today_closes_the_whole_date_with_its_message():
    today = date(2026, 12, 7)
    closure = CalendarException(ExceptionKind.CLOSURE, today, today, message_prompt="allo/exception-general-x")
    calendar = replace(general_calendar(), exceptions=(closure,))
    text = render_hours(rules(calendar), datetime(2026, 12, 7, 10, tzinfo=PARIS), reopening, days=2)
    kind, said = asterisk_says(text, datetime(2026, 12, 7, 10, tzinfo=PARIS))
    assert kind == "closed"
    assert said.split("&")[:2] == ["allo/service-ferme", "allo/exception-general-x"]
    assert "allo/test/20261208-0800" in said
    assert asterisk_says(text, datetime(2026, 12, 8, 10, tzinfo=PARIS)) == ("open", "")


def test_public_holidays_are_closed_on_their_date_but_not_in_the_weekly_hours_beyond():
    text = render_hours(rules(general_calendar()), datetime(2026, 12, 20, 12, tzinfo=PARIS), reopening, days=14)
    christmas = datetime(2026, 12, 25, 10, tzinfo=PARIS)  # a Friday
    kind, said = asterisk_says(text, christmas)
    assert kind == "closed" and "allo/test/20261226-0830" in said  # Saturday's hours
    assert extensions(text)["weekly"][:6] == [
        f"GotoIfTime(08:00-19:59,{day},*,*,Europe/Paris?allo-fallback,open,1)" for day in
        ("mon", "tue", "wed", "thu", "fri")] + ["GotoIfTime(08:30-18:29,sat,*,*,Europe/Paris?allo-fallback,open,1)"]
    # Christmas a year later is beyond the dated window: the weekly hours say open (holidays are not known there).
    assert asterisk_says(text, datetime(2027, 12, 24, 10, tzinfo=PARIS)) == ("open", "")


@pytest.mark.parametrize("start", [date(2026, 12, 21), date(2027, 3, 22), date(2027, 10, 25), date(2027, 4, 28)])
def test_the_dialplan_agrees_with_the_calendar_at_every_minute_of_the_window(start: date):
    """Holidays (Christmas, New Year, Easter Monday, 1 May, 8 May), DST changes, an exceptional opening and a partial
    closure: every minute start judged by the rendered dialplan as by routing.calendar.status."""
    calendar = replace(general_calendar(), exceptions=(
        CalendarException(ExceptionKind.OPENING, date(2026, 12, 27), date(2026, 12, 27), (Period(time(10), time(12)),)),
        CalendarException(ExceptionKind.CLOSURE, date(2027, 3, 24), date(2027, 3, 24), (Period(time(12), time(14)),)),
    ))
    now = datetime.combine(start, time(3), tzinfo=PARIS)
    text = render_hours(rules(calendar), now, reopening, days=14)
    moment = now.astimezone(UTC).replace(minute=0)
    end = moment + timedelta(days=14)
    while moment < end:
        expected = status(calendar, moment).is_open
        said = asterisk_says(text, moment)
        assert (said[0] == "open") == expected, (moment.astimezone(PARIS), said)
        moment += timedelta(minutes=7)


def test_without_a_level1_calendar_there_is_no_hours_context():
    assert "[allo-hours]" not in render_hours(None, datetime(2026, 12, 7, tzinfo=UTC), reopening)
    empty = RulesSnapshot(version=1, services={}, calendars={}, sectors={}, menus={})
    assert "[allo-hours]" not in render_hours(empty, datetime(2026, 12, 7, tzinfo=UTC), reopening)


def test_a_time_zone_or_prompt_that_could_break_the_dialplan_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        render_hours(rules(replace(general_calendar(), timezone="Europe/Paris)?x")), datetime.now(UTC), reopening)
    bad = replace(general_calendar(), exceptions=(CalendarException(
        ExceptionKind.CLOSURE, date(2026, 12, 7), date(2026, 12, 7), message_prompt="x)&Hangup("),))
    with pytest.raises(ValueError, match="prompt"):
        render_hours(rules(bad), datetime(2026, 12, 7, 10, tzinfo=PARIS), reopening)
