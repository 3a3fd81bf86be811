"""The real 3939 opening hours (../shared/seeds-digest.md): the seed's default and the tests' reference."""

from __future__ import annotations

from datetime import time
from types import MappingProxyType

from routing.calendar_types import Calendar, Period


def _every(days: range, period: Period) -> dict[int, tuple[Period, ...]]:
    return {day: (period,) for day in days}


# General line (level 1): Monday-Friday 08:00-20:00, Saturday 08:30-18:30.
GENERAL_WEEKLY = MappingProxyType({**_every(range(5), Period(time(8), time(20))),
                                   5: (Period(time(8, 30), time(18, 30)),)})
# Specialist service with access code (level 2), 2021 hours.
SPECIALIST_WEEKLY = MappingProxyType({
    0: (Period(time(8, 30), time(18, 15)),),
    1: (Period(time(8, 30), time(13)),),
    2: (Period(time(8, 30), time(13)),),
    3: (Period(time(8, 30), time(18, 15)),),
    4: (Period(time(13), time(17)),),
})


def general_calendar(name: str = "general") -> Calendar:
    return Calendar(name=name, weekly=dict(GENERAL_WEEKLY))


def specialist_calendar(name: str = "specialist") -> Calendar:
    return Calendar(name=name, weekly=dict(SPECIALIST_WEEKLY))
