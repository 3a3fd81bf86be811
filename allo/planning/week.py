"""The reference week of a plan and the half-hours a queue is open in it (pure; docs/planning.md, « /planning »).

A week is given as an ISO week `YYYY-Www` or any date of it (`YYYY-MM-DD`); absent, it is next week. A half-hour is
open when it overlaps an open period of the queue's calendar on that very date (public holidays and exceptional
closures of the week included); on the spring clock change the missing hour's slots do not exist.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from acd.planning.types import SLOT_SECONDS, SLOTS_PER_DAY
from routing.calendar import day_periods
from routing.calendar_types import PARIS, Calendar

_ISO_WEEK = re.compile(r"(\d{4})-W(\d{2})")
DAY_NAMES = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


class BadPlanRequest(ValueError):
    """A week or queue that cannot be read: the message says what is expected, in French."""


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def parse_week(text: str | None, today: date) -> date:
    """The Monday of the week asked for; next week when `text` is empty."""
    if not text:
        return monday_of(today) + timedelta(days=7)
    text = text.strip()
    match = _ISO_WEEK.fullmatch(text)
    try:
        if match:
            return date.fromisocalendar(int(match[1]), int(match[2]), 1)
        return monday_of(date.fromisoformat(text))
    except ValueError as exc:
        raise BadPlanRequest(f"Semaine illisible « {text[:40]} » : attendu AAAA-Sss (par exemple 2026-W49) ou une date "
                      "AAAA-MM-JJ.") from exc


def week_key(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def slot_label(slot: int) -> str:
    start = slot * 30
    end = start + 30
    return f"{start // 60:02d}:{start % 60:02d}\u2013{end // 60 % 24:02d}:{end % 60:02d}"


def slot_of(moment: datetime) -> tuple[date, int]:
    """The Paris date and half-hour of an instant."""
    local = moment.astimezone(PARIS)
    return local.date(), (local.hour * 60 + local.minute) // 30


def _exists(day: date, slot: int) -> bool:
    """False for the spring clock change's missing hour (the wall time does not round-trip through UTC)."""
    wall = datetime.combine(day, time(slot // 2, (slot % 2) * 30), PARIS)
    return datetime.fromtimestamp(wall.timestamp(), PARIS).replace(tzinfo=None) == wall.replace(tzinfo=None)


def open_slots(calendar: Calendar | None, day: date) -> tuple[int, ...]:
    """The half-hours of `day` that overlap an open period (every half-hour when the queue has no calendar)."""
    if calendar is None:
        return tuple(s for s in range(SLOTS_PER_DAY) if _exists(day, s))
    periods, _reason, _exception, _holiday = day_periods(calendar, day)
    spans = [(p.opens.hour * 3600 + p.opens.minute * 60 + p.opens.second,
              (p.closes.hour * 3600 + p.closes.minute * 60 + p.closes.second) or 86400) for p in periods]
    slots = []
    for slot in range(SLOTS_PER_DAY):
        start, end = slot * SLOT_SECONDS, (slot + 1) * SLOT_SECONDS
        if any(opens < end and start < closes for opens, closes in spans) and _exists(day, slot):
            slots.append(slot)
    return tuple(slots)
