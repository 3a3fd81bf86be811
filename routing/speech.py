"""Opening hours and digits spoken in French as sequences of prompt files (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time
from types import MappingProxyType

from routing.calendar_types import PARIS, Calendar, Period

DAY_NAMES = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTH_NAMES = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
               "novembre", "décembre")
_MONTH_FILES = ("janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre", "octobre",
                "novembre", "decembre")  # prompt names are a-z only
_DIGITS = ("zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf")
_UNITS = (*_DIGITS, "dix", "onze", "douze", "treize", "quatorze", "quinze", "seize", "dix-sept", "dix-huit", "dix-neuf")
_TENS = {2: "vingt", 3: "trente", 4: "quarante", 5: "cinquante"}

HORAIRES = "allo/mots/horaires"
DU, AU, LE, DE, A, ET = "allo/mots/du", "allo/mots/au", "allo/mots/le", "allo/mots/de", "allo/mots/a", "allo/mots/et"
HEURE, HEURES, MINUIT, FERME = "allo/mots/heure", "allo/mots/heures", "allo/mots/minuit", "allo/mots/ferme"
ROUVRIRA, AUJOURDHUI, DEMAIN = "allo/mots/rouvrira", "allo/mots/aujourdhui", "allo/mots/demain"
PREMIER = "allo/mots/premier"
MEILLEURS_MOMENTS = "allo/mots/meilleurs-moments"

_WORDS = {
    HORAIRES: "Nos horaires d'ouverture sont les suivants.",
    DU: "du",
    AU: "au",
    LE: "le",
    DE: "de",
    A: "à",
    ET: "et",
    HEURE: "heure",
    HEURES: "heures",
    MINUIT: "minuit",
    FERME: "fermé",
    ROUVRIRA: "Le service rouvrira",
    AUJOURDHUI: "aujourd'hui",
    DEMAIN: "demain",
    PREMIER: "premier",
    MEILLEURS_MOMENTS: "Les meilleurs moments pour appeler sont",
}


def _french_number(n: int) -> str:
    if n < len(_UNITS):
        return _UNITS[n]
    tens, unit = divmod(n, 10)
    if unit == 0:
        return _TENS[tens]
    return f"{_TENS[tens]} et un" if unit == 1 else f"{_TENS[tens]}-{_UNITS[unit]}"


def day_prompt(weekday: int) -> str:
    return f"allo/jours/{DAY_NAMES[weekday]}"


def number_prompt(n: int) -> str:
    return f"allo/nombres/{n}"


def month_prompt(month: int) -> str:
    """1 = January."""
    return f"allo/mois/{_MONTH_FILES[month - 1]}"


WORD_PROMPTS: Mapping[str, str] = MappingProxyType(
    {
        **_WORDS,
        **{day_prompt(weekday): name for weekday, name in enumerate(DAY_NAMES)},
        **{number_prompt(n): _french_number(n) for n in range(60)},
        **{month_prompt(month): name for month, name in enumerate(MONTH_NAMES, start=1)},
    }
)


def hours_lines(calendar: Calendar) -> list[tuple[int, int, tuple[Period, ...]]]:
    """Runs of consecutive weekdays with identical periods, as (first_day, last_day, periods); closed days skipped."""
    lines: list[tuple[int, int, tuple[Period, ...]]] = []
    for weekday in range(7):
        periods = tuple(sorted(calendar.weekly.get(weekday, ())))
        if not periods:
            continue
        if lines and lines[-1][1] == weekday - 1 and lines[-1][2] == periods:
            lines[-1] = (lines[-1][0], weekday, periods)
        else:
            lines.append((weekday, weekday, periods))
    return lines


def speak_time(t: time) -> list[str]:
    """08:00 -> 8 heures, 08:30 -> 8 heures 30, 01:00 -> 1 heure, 00:00 -> minuit; 12:00 stays 12 heures."""
    if t.hour == 0 and t.minute == 0:
        return [MINUIT]
    spoken = [number_prompt(t.hour), HEURE if t.hour <= 1 else HEURES]
    return [*spoken, number_prompt(t.minute)] if t.minute else spoken


def _days(first: int, last: int) -> list[str]:
    if first == last:
        return [LE, day_prompt(first)]
    if last == first + 1:
        return [LE, day_prompt(first), ET, LE, day_prompt(last)]
    return [DU, day_prompt(first), AU, day_prompt(last)]


def _periods(periods: tuple[Period, ...]) -> list[str]:
    spoken: list[str] = []
    for index, period in enumerate(periods):
        spoken += [ET] if index else []
        spoken += [DE, *speak_time(period.opens), A, *speak_time(period.closes)]
    return spoken


def _text(prompts: list[str]) -> str:
    """The prompts written out, numbers as digits ("premier" as 1er)."""
    return " ".join(
        name.removeprefix("allo/nombres/") if name.startswith("allo/nombres/")
        else "1er" if name == PREMIER else WORD_PROMPTS[name]
        for name in prompts
    )


def speak_hours(calendar: Calendar) -> tuple[list[str], str]:
    """The weekly opening hours as prompt names, and the same sentence as French text."""
    lines = [_days(first, last) + _periods(periods) for first, last, periods in hours_lines(calendar)] or [[FERME]]
    prompts = [HORAIRES] + [name for line in lines for name in line]
    sentence = ", ".join(_text(line) for line in lines)
    return prompts, f"{WORD_PROMPTS[HORAIRES]} {sentence[0].upper()}{sentence[1:]}."


def speak_digits(number: str) -> list[str]:
    """A phone number digit by digit; anything but 0-9 (spaces, dots, +) is skipped."""
    return [number_prompt(int(char)) for char in number if char in "0123456789"]


WEEK_AHEAD_DAYS = 6  # up to this many days ahead the weekday alone is clear ("lundi"); further, the date too


def _reopening_day(when: datetime, now: datetime) -> list[str]:
    days = (when.date() - now.date()).days
    if days <= 0:
        return [AUJOURDHUI]
    if days == 1:
        return [DEMAIN]
    weekday = day_prompt(when.weekday())
    if days <= WEEK_AHEAD_DAYS:
        return [weekday]
    return [weekday, PREMIER if when.day == 1 else number_prompt(when.day), month_prompt(when.month)]


def speak_reopening(next_open: datetime, now: datetime) -> tuple[list[str], str]:
    """When the service opens again, as prompt names and the same sentence in French, e.g. « Le service rouvrira
    lundi à 8 heures. »: « aujourd'hui » the same Paris day, « demain » the next one, the weekday within six days,
    the weekday and date (« lundi 4 janvier ») further. Days are Europe/Paris local days, whatever the zones given.
    """
    if next_open.tzinfo is None or now.tzinfo is None:
        raise ValueError("next_open and now must be timezone-aware")
    when, local_now = next_open.astimezone(PARIS), now.astimezone(PARIS)
    prompts = [ROUVRIRA, *_reopening_day(when, local_now), A, *speak_time(when.time())]
    return prompts, f"{_text(prompts)}."
