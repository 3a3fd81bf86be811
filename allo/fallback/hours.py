"""The level-1 opening hours as Asterisk dialplan, for the calls our service cannot take (pure).

`render_hours` writes the context [allo-hours] of `extensions_hours.conf`, entered by [allo-fallback]
(asterisk-conf/extensions.conf) when the FastAGI service is unreachable: one extension per date for the next
`days` days, named YYYYMMDD and chosen with STRFTIME in the calendar's time zone, holding that date's open minutes
and, for each closed stretch, what the caller hears (the closure's message, when the service reopens, the
website); then the weekly hours for any later date (public holidays and exceptions are not known there).

Why dated extensions: Asterisk's time conditions (GotoIfTime, IFTIME) have no year, so one line per date, and a
date is matched by its full YYYYMMDD. Their ranges include the last minute: a period closing at 20:00 is written
08:00-19:59. A minute is open when its first second is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ivr.catalogue import PromptName
from routing.calendar import day_periods, next_opening
from routing.calendar_types import Calendar, ExceptionKind, Period
from routing.rules import RulesSnapshot
from routing.speech import speak_hours, speak_reopening

CONTEXT = "allo-hours"
DAY_MINUTES = 24 * 60
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OPEN = "allo-fallback,open,1"
# When the service reopens, as prompt names: (next opening, an instant of the closed stretch) -> prompts.
ReopeningFn = Callable[[datetime, datetime], list[str]]
_SAFE_ZONE = re.compile(r"^[A-Za-z0-9_+/-]+$")
_SAFE_PROMPT = re.compile(r"^[a-z0-9][a-z0-9/_-]*$")
_Range = tuple[int, int]  # [first, last] minutes of the day, both included


def _minute_after(t: time, *, closing: bool) -> int:
    """The first whole minute at or after `t` (a closing time of 00:00 is midnight at the end of the day)."""
    if closing and t == time(0):
        return DAY_MINUTES
    minute = t.hour * 60 + t.minute
    return minute + 1 if (t.second or t.microsecond) else minute


def open_ranges(periods: Sequence[Period]) -> list[_Range]:
    """The minutes of the day whose first second is open, as merged inclusive ranges."""
    spans = sorted((_minute_after(p.opens, closing=False), _minute_after(p.closes, closing=True)) for p in periods)
    merged: list[list[int]] = []
    for start, end in spans:
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end - 1) for start, end in merged]


def closed_ranges(opened: Sequence[_Range]) -> list[_Range]:
    gaps, cursor = [], 0
    for first, last in opened:
        if first > cursor:
            gaps.append((cursor, first - 1))
        cursor = last + 1
    if cursor < DAY_MINUTES:
        gaps.append((cursor, DAY_MINUTES - 1))
    return gaps


def time_range(minutes: _Range) -> str:
    first, last = minutes
    return f"{first // 60:02d}:{first % 60:02d}-{last // 60:02d}:{last % 60:02d}"


def _closed_prompts(calendar: Calendar, day: date, first_minute: int, zone: ZoneInfo,
                    reopening: ReopeningFn) -> tuple[str, ...]:
    """What a caller hears in the closed stretch of `day` starting at `first_minute`."""
    _periods, _reason, exception, _holiday = day_periods(calendar, day)
    moment = datetime.combine(day, time(first_minute // 60, first_minute % 60), tzinfo=zone)
    prompts: list[str] = [PromptName.SERVICE_CLOSED]
    if exception is not None and exception.kind is ExceptionKind.CLOSURE and exception.message_prompt:
        prompts.append(exception.message_prompt)
    reopens = next_opening(calendar, moment)
    prompts.extend(reopening(reopens, moment) if reopens is not None else speak_hours(calendar)[0])
    return (*prompts, PromptName.WEBSITE, PromptName.GOODBYE)


class _Closed:
    """Names the closed messages, one extension per distinct message."""

    def __init__(self) -> None:
        self.names: dict[tuple[str, ...], str] = {}

    def name(self, prompts: tuple[str, ...]) -> str:
        for prompt in prompts:
            if not _SAFE_PROMPT.match(prompt):
                raise ValueError(f"unsafe prompt name for the dialplan: {prompt!r}")
        return self.names.setdefault(prompts, f"closed-{len(self.names) + 1}")

    def lines(self) -> list[str]:
        return [f"exten => {name},1,Set(ALLO_CLOSED_PROMPTS={'&'.join(prompts)})\n"
                f" same => n,Goto(allo-fallback,closed,1)"
                for prompts, name in self.names.items()]


def _date_extension(calendar: Calendar, day: date, zone: ZoneInfo, closed: _Closed,
                    reopening: ReopeningFn) -> list[str]:
    opened = open_ranges(day_periods(calendar, day)[0])
    gaps = closed_ranges(opened)
    tz = calendar.timezone
    steps = [f"GotoIfTime({time_range(r)},*,*,*,{tz}?{OPEN})" for r in opened]
    for gap in gaps:
        target = f"{closed.name(_closed_prompts(calendar, day, gap[0], zone, reopening))},1"
        steps.append(f"GotoIfTime({time_range(gap)},*,*,*,{tz}?{target})" if opened else f"Goto({target})")
    if opened:
        steps.append(f"Goto({OPEN})")  # every minute is covered above: never reached, and open is the safe side
    head, *rest = steps
    return [f"exten => {day:%Y%m%d},1,{head}", *(f" same => n,{step}" for step in rest)]


def _weekly_extension(calendar: Calendar, closed: _Closed) -> list[str]:
    tz = calendar.timezone
    steps = [f"GotoIfTime({time_range(r)},{WEEKDAYS[weekday]},*,*,{tz}?{OPEN})"
             for weekday in range(7) for r in open_ranges(calendar.weekly.get(weekday, ()))]
    spoken = (PromptName.SERVICE_CLOSED, *speak_hours(calendar)[0], PromptName.WEBSITE, PromptName.GOODBYE)
    steps.append(f"Goto({closed.name(tuple(str(p) for p in spoken))},1)")
    head, *rest = steps
    return [f"exten => weekly,1,{head}", *(f" same => n,{step}" for step in rest)]


def spoken_reopening(next_open: datetime, moment: datetime) -> list[str]:
    """« Le service rouvrira lundi à 8 heures », as prompt names (the reopening the menu also says)."""
    return speak_reopening(next_open, moment)[0]


def level1_calendar(rules: RulesSnapshot) -> Calendar | None:
    service = rules.services.get(rules.level1_service)
    return rules.calendars.get(service.calendar) if service is not None else None


def render_hours(rules: RulesSnapshot | None, now: datetime, reopening: ReopeningFn, days: int = 14) -> str:
    """`extensions_hours.conf` for the level-1 service's calendar, from `now` (aware) for `days` dates.

    Without rules or a level-1 calendar the file has no [allo-hours]: the fallback then treats the line as open
    (never drop a caller who may be calling in opening hours).
    """
    header = f"; generated by allo (allo/fallback/hours.py) at {now.isoformat(timespec='seconds')}: do not edit\n"
    calendar = level1_calendar(rules) if rules is not None else None
    if rules is None or calendar is None:
        return header + "; no level-1 calendar: the fallback treats the line as open\n"
    if not _SAFE_ZONE.match(calendar.timezone):
        raise ValueError(f"unsafe time zone for the dialplan: {calendar.timezone!r}")
    zone = ZoneInfo(calendar.timezone)
    today = now.astimezone(zone).date()
    closed = _Closed()
    lines = [
        f"[{CONTEXT}]",
        f"exten => s,1,NoOp(allo: level-1 hours of rules version {rules.version} from {today:%Y-%m-%d}, "
        f"{days} days)",
        f" same => n,Set(ALLO_DAY=${{STRFTIME(${{EPOCH}},{calendar.timezone},%Y%m%d)}})",
        f" same => n,GotoIf(${{DIALPLAN_EXISTS({CONTEXT},${{ALLO_DAY}},1)}}?${{ALLO_DAY}},1)",
        " same => n,Goto(weekly,1)",
        "",
    ]
    for offset in range(days):
        lines += [*_date_extension(calendar, today + timedelta(days=offset), zone, closed, reopening), ""]
    lines += [*_weekly_extension(calendar, closed), ""]
    lines += [line for block in closed.lines() for line in (block, "")]
    return header + "\n".join(lines)
