"""A calendar of a rules document checked part by part, with French sentences for the ops pages (pure).

Checked on the document's own types so each problem gets a precise path (routing only ever sees calendars that
passed these checks).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from holidays.countries.france import France

from allo.rules.document import CalendarDoc, PeriodDoc
from routing.calendar_types import ExceptionKind

WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
KINDS_FR = {ExceptionKind.CLOSURE: "fermeture exceptionnelle", ExceptionKind.OPENING: "ouverture exceptionnelle"}
DAY = 24 * 60


def french_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _span(period: PeriodDoc) -> tuple[int, int]:
    """Minutes from midnight; a period closing at 00:00 closes at midnight."""
    def minutes(t: time) -> int:
        return t.hour * 60 + t.minute

    return minutes(period.opens), minutes(period.closes) or DAY


def _fmt(period: PeriodDoc) -> str:
    return f"{period.opens:%H:%M}-{period.closes:%H:%M}"


def period_problems(where: str, periods: Iterable[PeriodDoc]) -> list[str]:
    problems: list[str] = []
    valid: list[PeriodDoc] = []
    for period in periods:
        opens, closes = _span(period)
        if closes <= opens:
            problems.append(f"{where} : la plage {_fmt(period)} ne finit pas après son début "
                            "(pour minuit, écrivez 00:00)")
        else:
            valid.append(period)
    widest: PeriodDoc | None = None  # the period seen so far that ends last
    for period in sorted(valid, key=_span):
        if widest is not None and _span(period)[0] < _span(widest)[1]:
            problems.append(f"{where} : les plages {_fmt(widest)} et {_fmt(period)} se chevauchent")
        if widest is None or _span(period)[1] > _span(widest)[1]:
            widest = period
    return problems


def exception_where(name: str, kind: ExceptionKind, starts_on: date) -> str:
    return f"Calendrier {name}, {KINDS_FR[kind]} du {french_date(starts_on)}"


def calendar_problems(name: str, cal: CalendarDoc) -> list[tuple[str, str]]:
    """(path, French sentence) for every problem of calendar `name`."""
    problems: list[tuple[str, str]] = []
    for day in sorted(cal.weekly):
        path = f"calendars.{name}.weekly.{day}"
        if not 0 <= day <= 6:
            problems.append((path, f"Calendrier {name} : le jour {day} n'existe pas (0 = lundi … 6 = dimanche)"))
            continue
        problems += [(path, s) for s in period_problems(f"Calendrier {name}, {WEEKDAYS_FR[day]}", cal.weekly[day])]
    for index, exc in enumerate(cal.exceptions):
        path, where = f"calendars.{name}.exceptions.{index}", exception_where(name, exc.kind, exc.starts_on)
        if (exc.opens is None) != (exc.closes is None):
            problems.append((path, f"{where} : indiquez l'heure d'ouverture et l'heure de fermeture, ou aucune des "
                                   "deux (journées entières)"))
        if exc.ends_on < exc.starts_on:
            problems.append((path, f"{where} : la fin ({french_date(exc.ends_on)}) est avant le début"))
        if exc.opens is not None and exc.closes is not None:
            problems += [(path, s) for s in period_problems(where, [PeriodDoc(opens=exc.opens, closes=exc.closes)])]
    try:
        ZoneInfo(cal.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append((f"calendars.{name}", f"Calendrier {name} : fuseau horaire inconnu « {cal.timezone} »"))
    known = {*France.subdivisions, *France.subdivisions_aliases}
    if cal.holiday_subdivision is not None and cal.holiday_subdivision not in known:
        problems.append((f"calendars.{name}", f"Calendrier {name} : subdivision « {cal.holiday_subdivision} » "
                                              "inconnue pour les jours fériés"))
    return problems
