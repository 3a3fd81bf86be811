"""allo's planning profile of a week of calls (docs/planning.md, docs/scaling.md): a weekday factor and an intraday
curve. The planning bench draws its generated year from it (bench/planning_gen.py) and the sizing of the road to
many (acd/planning/sizing.py) takes its peak day and peak hour from it, so both rest on the same shape."""

from __future__ import annotations

import math

WEEKDAY_FACTOR = (1.30, 1.10, 1.00, 0.95, 0.85, 0.55, 0.0)  # Monday .. Sunday
SLOTS_PER_HOUR = 2


def intraday(slot: int) -> float:
    """The intraday curve of every queue at the middle of half-hour `slot`: peaks near 10:00 and 14:30."""
    hour = slot / 2 + 0.25
    return (0.35 + math.exp(-((hour - 10.0) / 1.6) ** 2) + 0.8 * math.exp(-((hour - 14.5) / 1.8) ** 2)
            - 0.25 * math.exp(-((hour - 12.75) / 0.6) ** 2))


def hourly_shares(open_from: int, open_to: int) -> list[float]:
    """Each clock hour's share of a day's calls, for a day open from `open_from` to `open_to` (whole hours)."""
    if not 0 <= open_from < open_to <= 24:
        raise ValueError(f"heures d'ouverture invalides : de {open_from} h à {open_to} h")
    hours = [sum(intraday(h * SLOTS_PER_HOUR + k) for k in range(SLOTS_PER_HOUR)) for h in range(open_from, open_to)]
    total = sum(hours)
    return [h / total for h in hours]


def peak_hour_share(open_from: int, open_to: int) -> float:
    """The busiest clock hour's share of the day's calls."""
    return max(hourly_shares(open_from, open_to))


def peak_day_factor(open_weekdays: int) -> float:
    """The busiest weekday's calls over the mean open weekday's, for a week open on its first `open_weekdays`
    days (5: Monday to Friday)."""
    if not 1 <= open_weekdays <= 7:
        raise ValueError(f"jours ouverts par semaine invalides : {open_weekdays}")
    days = WEEKDAY_FACTOR[:open_weekdays]
    return max(days) / (sum(days) / open_weekdays)
