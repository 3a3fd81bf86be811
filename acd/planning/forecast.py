"""The forecast of one queue's week from its half-hour history (docs/planning.md).

For each weekday the most recent `weeks` dates that count are used; the k-th most recent (k = 0, 1, ...) weighs
`decay**k`. Skipping a public holiday therefore shifts the older dates up rather than leaving a zero week in the
mean. On a date that counts, a half-hour with no row is a half-hour with no call (0 offered), not a missing one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from acd.planning.erlang import PlanningInputError
from acd.planning.types import SLOTS_PER_DAY, SlotFigures, SlotForecast, SlotKey

WEEKDAYS = 7
_NOTHING = SlotFigures()


def used_days(days: Iterable[date], weeks: int) -> dict[int, list[date]]:
    """Per weekday (0 = Monday), the `weeks` most recent of `days`, most recent first."""
    if weeks < 1:
        raise PlanningInputError(f"Le nombre de semaines doit être au moins 1 (reçu {weeks}).")
    by_weekday: dict[int, list[date]] = {weekday: [] for weekday in range(WEEKDAYS)}
    for day in sorted(set(days), reverse=True):
        chosen = by_weekday[day.weekday()]
        if len(chosen) < weeks:
            chosen.append(day)
    return by_weekday


def forecast_week(history: Mapping[SlotKey, SlotFigures], days: Iterable[date], weeks: int,
                  decay: float) -> dict[tuple[int, int], SlotForecast]:
    """Every (weekday, slot) of the week (7 x 48), forecast from `history` over the `days` that count.

    calls = the weighted mean of offered; aht_s = sum(w * handle_sum) / sum(w * handled); expected_wait_s =
    sum(w * wait_sum) / sum(w * answered); the ratios are None when their denominator is 0; `weeks` is the number
    of dates of that weekday actually used (0: no history, calls 0)."""
    if not 0 < decay <= 1:
        raise PlanningInputError(f"Le facteur d'oubli doit être dans ]0, 1] (reçu {decay}).")
    result: dict[tuple[int, int], SlotForecast] = {}
    for weekday, chosen in used_days(days, weeks).items():
        weights = [decay**k for k in range(len(chosen))]
        total_weight = sum(weights)
        for slot in range(SLOTS_PER_DAY):
            rows = [(w, history.get(SlotKey(day, slot), _NOTHING)) for w, day in zip(weights, chosen, strict=True)]
            result[(weekday, slot)] = _slot_forecast(weekday, slot, rows, total_weight)
    return result


def _slot_forecast(weekday: int, slot: int, rows: list[tuple[float, SlotFigures]],
                   total_weight: float) -> SlotForecast:
    offered = sum(w * row.offered for w, row in rows)
    handled = sum(w * row.handled for w, row in rows)
    handle_sum = sum(w * row.handle_sum_s for w, row in rows)
    answered = sum(w * row.answered for w, row in rows)
    wait_sum = sum(w * row.wait_sum_s for w, row in rows)
    return SlotForecast(
        weekday=weekday,
        slot=slot,
        calls=offered / total_weight if total_weight else 0.0,
        aht_s=handle_sum / handled if handled else None,
        expected_wait_s=wait_sum / answered if answered else None,
        weeks=len(rows),
    )
