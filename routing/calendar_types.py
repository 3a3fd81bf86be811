"""Calendar data: weekly periods, exceptions and public holidays, in Europe/Paris local time (pure data)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, time
from zoneinfo import ZoneInfo

# The hotline's one time zone: every calendar, report bucket and naive time in allo is Europe/Paris local time.
PARIS_NAME = "Europe/Paris"
PARIS = ZoneInfo(PARIS_NAME)


@dataclass(frozen=True, order=True)
class Period:
    """Open from `opens` (included) to `closes` (excluded), local time; closes == 00:00 means midnight."""

    opens: time
    closes: time


class ExceptionKind(enum.StrEnum):
    CLOSURE = "closure"
    OPENING = "opening"


@dataclass(frozen=True)
class CalendarException:
    """Exceptional closure or opening from `starts_on` to `ends_on` (both included).

    A closure without periods closes whole days; with periods it closes only those hours.
    An opening without periods opens the usual weekly hours of those days (even on a public holiday);
    with periods it opens exactly those hours.
    """

    kind: ExceptionKind
    starts_on: date
    ends_on: date
    periods: tuple[Period, ...] = ()
    message_prompt: str | None = None  # catalogue prompt said to callers (closures)
    message_text: str | None = None


@dataclass(frozen=True)
class Calendar:
    name: str
    weekly: dict[int, tuple[Period, ...]] = field(default_factory=dict)  # 0 = Monday ... 6 = Sunday
    exceptions: tuple[CalendarException, ...] = ()
    public_holidays: bool = True  # closed on French public holidays (holidays package, country FR)
    holiday_subdivision: str | None = None  # e.g. "57" for Alsace-Moselle's extra days
    timezone: str = PARIS_NAME
