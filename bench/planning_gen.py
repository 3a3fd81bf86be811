"""A generated year of half-hour traffic for the planning bench (issue 20): `planning_halfhours` rows, seeded.

Seven queues (level 1 and the six sectors of allo/db/seed.py) on their real calendars (routing/service_hours.py:
level 1 Monday-Saturday, sectors on the 2021 specialist hours), French public holidays and a few exceptional
closures (routing/calendar.py decides which half-hours are open). The expected calls of an open half-hour follow a
known weekly shape: the queue's share of the year x a weekday factor x an intraday curve (morning and early
afternoon peaks, a lunch dip) x the share of the half-hour that is open. Around that expectation: a day-level
noise (lognormal, `DAY_NOISE`) and a Poisson draw per half-hour.

The per-slot counts are drawn directly, NOT as ~2.6 million generated queue legs folded by the summary: the plan
and the forecast read only the summary, and a leg-level generator would spend the section's time budget on rows
the plan never reads. The other figures of a row are drawn from the same known parameters: abandons and answers
within the service level (binomial), handling time (sum of gamma draws around the queue's AHT), waits (longer when
the half-hour is busy) and the advisers' logged-in seconds.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import NamedTuple

from acd.planning.profile import WEEKDAY_FACTOR, intraday
from routing.calendar import day_periods
from routing.calendar_types import Calendar, CalendarException, ExceptionKind, Period
from routing.service_hours import general_calendar, specialist_calendar

# Share of the year's calls per queue (level 1 takes most, as on the 3939) and the queue's mean handling time (s).
QUEUES: dict[str, tuple[float, float]] = {
    "l1": (0.55, 300.0),
    "l2-travail": (0.11, 600.0),
    "l2-logement": (0.09, 540.0),
    "l2-fiscalite": (0.08, 480.0),
    "l2-consommation": (0.07, 420.0),
    "l2-justice": (0.05, 660.0),
    "l2-interieur": (0.05, 480.0),
}
DAY_NOISE = 0.03  # sigma of the lognormal day-level factor
ABANDON_P = 0.06  # hung up before an answer, short abandons included
SHORT_P = 0.3
IN_SL_P = 0.8
HANDLE_SHAPE = 4.0  # each handling time ~ Gamma(4, AHT/4): coefficient of variation 0.5
# The bench's year: 52 whole weeks, Monday 2025-12-01 .. Sunday 2026-11-29; the last one is the held-out week.
YEAR_START = date(2025, 12, 1)
YEAR_WEEKS = 52


class Row(NamedTuple):
    """A `planning_halfhours` row (the columns not drawn keep their default 0)."""

    queue: str
    day: date
    slot: int
    offered: int
    answered: int
    answered_in_sl: int
    abandoned: int
    short_abandoned: int
    handled: int
    wait_sum_s: float
    abandoned_wait_sum_s: float
    handle_sum_s: float
    staffed_s: float


COLUMNS = Row._fields


def closures(start: date) -> tuple[CalendarException, ...]:
    """Exceptional closures of the generated year (every queue): a whole day (technical incident), an afternoon
    (staff meeting), and a Friday inside the forecast's eight weeks before the held-out week."""
    return (CalendarException(ExceptionKind.CLOSURE, start + timedelta(days=101), start + timedelta(days=101)),
            CalendarException(ExceptionKind.CLOSURE, start + timedelta(days=199), start + timedelta(days=199),
                              (Period(time(13), time(20)),)),
            CalendarException(ExceptionKind.CLOSURE, start + timedelta(days=319), start + timedelta(days=319)))


def calendars(start: date) -> dict[str, Calendar]:
    shut = closures(start)
    general = general_calendar()
    specialist = specialist_calendar()
    return {queue: Calendar(name=(general if queue == "l1" else specialist).name,
                            weekly=dict((general if queue == "l1" else specialist).weekly), exceptions=shut)
            for queue in QUEUES}


def open_fraction(periods: tuple[Period, ...]) -> dict[int, float]:
    """Half-hour slot -> share of its 30 minutes within the open periods."""
    out: dict[int, float] = {}
    for period in periods:
        opens = period.opens.hour * 60 + period.opens.minute
        closes = 1440 if period.closes == time(0) else period.closes.hour * 60 + period.closes.minute
        for slot in range(opens // 30, (closes + 29) // 30):
            minutes = min(closes, slot * 30 + 30) - max(opens, slot * 30)
            if minutes > 0:
                out[slot] = out.get(slot, 0.0) + minutes / 30
    return out


@dataclass
class Year:
    """The generated rows, the known expectation of each open half-hour and what shaped them."""

    start: date
    days: int
    rows: list[Row] = field(default_factory=list)
    expected: dict[tuple[str, date, int], float] = field(default_factory=dict)  # before the day noise
    # queue -> date -> why, for the days of its weekly hours that were closed or partly closed (not to forecast from)
    closed_days: dict[str, dict[date, str]] = field(default_factory=dict)
    calendars: dict[str, Calendar] = field(default_factory=dict)
    calls: int = 0


def shape_weights(cals: dict[str, Calendar], start: date, days: int) -> dict[tuple[str, date], dict[int, float]]:
    """(queue, day) -> slot -> unscaled expected weight, for every open half-hour."""
    weights: dict[tuple[str, date], dict[int, float]] = {}
    for queue, cal in cals.items():
        for offset in range(days):
            day = start + timedelta(days=offset)
            periods = day_periods(cal, day)[0]
            factor = WEEKDAY_FACTOR[day.weekday()]
            if periods and factor:
                weights[queue, day] = {slot: factor * intraday(slot) * share
                                       for slot, share in open_fraction(periods).items()}
    return weights


def poisson(rng: random.Random, lam: float) -> int:
    """An exact Poisson draw by inversion, in chunks of at most 500 (a sum of Poissons is Poisson; exp(-500) is
    still a normal float)."""
    total = 0
    while lam > 0:
        part = min(lam, 500.0)
        lam -= part
        k, p = 0, math.exp(-part)
        cumulative, u = p, rng.random()
        while u > cumulative and p > 0:
            k += 1
            p *= part / k
            cumulative += p
        total += k
    return total


def binomial(rng: random.Random, n: int, p: float) -> int:
    return sum(1 for _ in range(n) if rng.random() < p)


def gamma_sum(rng: random.Random, n: int, mean: float, shape: float = 1.0) -> float:
    """The sum of n Gamma(shape, mean/shape) draws, drawn at once: Gamma(n·shape, mean/shape)."""
    return rng.gammavariate(n * shape, mean / shape) if n > 0 else 0.0


def generate(total_calls: int = 2_600_000, *, start: date = YEAR_START, weeks: int = YEAR_WEEKS,
             seed: int = 20) -> Year:
    """`weeks` weeks of rows from Monday `start`, about `total_calls` calls in all (the expectation; the draws
    differ by a few per mille)."""
    rng = random.Random(seed)
    days = weeks * 7
    cals = calendars(start)
    year = Year(start, days, calendars=cals)
    weights = shape_weights(cals, start, days)
    for queue, cal in cals.items():
        year.closed_days[queue] = {}
        for offset in range(days):
            day = start + timedelta(days=offset)
            _, reason, _, holiday = day_periods(cal, day)
            if day.weekday() not in cal.weekly:
                continue
            if (queue, day) not in weights:
                year.closed_days[queue][day] = holiday or str(reason)
            elif any(e.starts_on <= day <= e.ends_on for e in cal.exceptions):
                year.closed_days[queue][day] = "partial_closure"
    for queue, (share, aht) in QUEUES.items():
        queue_weight = sum(sum(w.values()) for (q, _), w in weights.items() if q == queue)
        scale = total_calls * share / queue_weight
        peak = max(max(w.values()) for (q, _), w in weights.items() if q == queue) * scale
        for offset in range(days):
            day = start + timedelta(days=offset)
            slots = weights.get((queue, day))
            if not slots:
                continue
            noise = rng.lognormvariate(-DAY_NOISE**2 / 2, DAY_NOISE)
            for slot, weight in sorted(slots.items()):
                lam = weight * scale
                year.expected[queue, day, slot] = lam
                row = draw_row(rng, queue, day, slot, lam * noise, aht, min(lam / peak, 1.0))
                if row is not None:
                    year.rows.append(row)
                    year.calls += row.offered
    return year


def draw_row(rng: random.Random, queue: str, day: date, slot: int, lam: float, aht: float,
             load: float) -> Row | None:
    """One half-hour's row, or None when nobody called (the summary writes no row then)."""
    offered = poisson(rng, lam)
    if offered == 0:
        return None
    left = binomial(rng, offered, ABANDON_P)
    short = binomial(rng, left, SHORT_P)  # hung up within the queue's short_abandon: not counted as abandoned
    abandoned, answered = left - short, offered - left
    mean_wait = 15.0 + 150.0 * load**2  # a busy half-hour waits longer: the best hours are the quiet ones
    agents = math.ceil(lam * aht / 1800 / 0.85) if lam else 0
    return Row(queue, day, slot, offered, answered, binomial(rng, answered, IN_SL_P), abandoned, short, answered,
               round(gamma_sum(rng, answered, mean_wait), 1), round(gamma_sum(rng, abandoned, 60.0), 1),
               round(gamma_sum(rng, answered, aht, HANDLE_SHAPE), 1), float(agents * 1800))


def expected_week(year: Year, monday: date) -> dict[str, dict[tuple[int, int], float]]:
    """The known expectation of the week from `monday`: queue -> (weekday, slot) -> calls (no day noise)."""
    out: dict[str, dict[tuple[int, int], float]] = {q: {} for q in QUEUES}
    for (queue, day, slot), lam in year.expected.items():
        if monday <= day < monday + timedelta(days=7):
            out[queue][day.weekday(), slot] = lam
    return out


def actual_week(year: Year, monday: date) -> dict[str, dict[tuple[int, int], int]]:
    """The drawn calls of the week from `monday`: queue -> (weekday, slot) -> offered."""
    out: dict[str, dict[tuple[int, int], int]] = {q: {} for q in QUEUES}
    for row in year.rows:
        if monday <= row.day < monday + timedelta(days=7):
            out[row.queue][row.day.weekday(), row.slot] = row.offered
    return out


