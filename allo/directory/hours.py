"""Is a body open at an instant, and a French status line ("Ouvert jusqu'à 17:00", "Fermé, ouvre lundi à
08:30"), from its normalised opening ranges, on the Europe/Paris wall clock; French public holidays are closed."""

from __future__ import annotations

import enum
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays

from allo.directory.records import OpeningRange

PARIS = ZoneInfo("Europe/Paris")
DAY_NAMES = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
LOOKAHEAD_DAYS = 14


class OpenStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    HOLIDAY = "holiday"
    UNKNOWN = "unknown"  # no opening ranges published


@dataclass(frozen=True, slots=True)
class Status:
    status: OpenStatus
    text: str

    @property
    def open(self) -> bool | None:
        return None if self.status is OpenStatus.UNKNOWN else self.status is OpenStatus.OPEN


@functools.lru_cache(maxsize=8)
def _holidays(year: int) -> Mapping[date, str]:
    return MappingProxyType(dict(holidays.country_holidays("FR", years=year, language="fr")))


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _day_spans(hours: Sequence[OpeningRange], day: date) -> list[tuple[int, int]]:
    """Open spans of a date in minutes since midnight, merged (ranges may overlap or follow each other)."""
    if day in _holidays(day.year):
        return []
    weekday = day.weekday()
    spans = sorted((_minutes(a), _minutes(b)) for r in hours for a, b in r.slots
                   if (r.first_day <= weekday <= r.last_day if r.first_day <= r.last_day
                       else weekday >= r.first_day or weekday <= r.last_day))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def open_at(hours: Sequence[OpeningRange], when: datetime) -> bool:
    local = when.astimezone(PARIS)
    now = local.hour * 60 + local.minute
    return any(start <= now < end for start, end in _day_spans(hours, local.date()))


def status(hours: Sequence[OpeningRange], when: datetime) -> Status:
    if not any(r.slots for r in hours):
        return Status(OpenStatus.UNKNOWN, "Horaires non renseignés")
    local = when.astimezone(PARIS)
    now = local.hour * 60 + local.minute
    today = local.date()
    for start, end in _day_spans(hours, today):
        if start <= now < end:
            return Status(OpenStatus.OPEN, f"Ouvert jusqu'à {_clock(end)}")
    holiday = _holidays(today.year).get(today)
    prefix = f"Fermé (jour férié : {holiday})" if holiday else "Fermé"
    kind = OpenStatus.HOLIDAY if holiday else OpenStatus.CLOSED
    for ahead in range(LOOKAHEAD_DAYS + 1):
        day = today + timedelta(days=ahead)
        for start, _ in _day_spans(hours, day):
            if ahead == 0 and start <= now:
                continue
            when_text = "aujourd'hui" if ahead == 0 else "demain" if ahead == 1 else DAY_NAMES[day.weekday()]
            if ahead >= 7:
                when_text = f"le {DAY_NAMES[day.weekday()]} {day.day:d}/{day.month:02d}"
            return Status(kind, f"{prefix}, ouvre {when_text} à {_clock(start)}")
    return Status(kind, prefix)


def describe(hours: Sequence[OpeningRange]) -> list[str]:
    """One French line per range: « du lundi au vendredi : 08:30-12:00, 13:30-17:30 (sur rendez-vous) »."""
    lines: list[str] = []
    for opening in hours:
        first, last = DAY_NAMES[opening.first_day], DAY_NAMES[opening.last_day]
        days = f"le {first}" if opening.first_day == opening.last_day else f"du {first} au {last}"
        slots = ", ".join(f"{start}-{end}" for start, end in opening.slots) or "fermé"
        lines.append(f"{days} : {slots}" + (f" ({opening.comment})" if opening.comment else ""))
    return lines
