"""The best hours to call (pure): the quietest open half-hours of a queue, merged into ranges, and how to say them.

The quietest open slots with a measured wait are taken one by one (ties to the earlier in the week); a slot next to
a range already taken joins it, any other opens a new range, and the walk stops at the first slot that would open
one range too many. A slot joins a range only when its wait is close to the range's quietest (`_close`), and a
range never grows beyond `MAX_RANGE_SLOTS`, so that the advice stays precise.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, time

from acd.planning.types import SLOTS_PER_DAY
from routing.calendar import day_periods
from routing.calendar_types import Calendar
from routing.speech import DAY_NAMES, DE, ET, LE, MEILLEURS_MOMENTS, WORD_PROMPTS, A, day_prompt, speak_time

MAX_RANGE_SLOTS = 4  # two hours
CLOSE_WAIT_S, CLOSE_SHARE = 60.0, 0.25  # a neighbour this much longer (or less) than a range's quietest slot joins it
NO_HISTORY_TEXT = ("Nous n'avons pas encore assez d'appels mesurés pour indiquer les meilleurs moments pour "
                   "appeler.")

Slot = tuple[int, int]  # (weekday 0 = Monday, half-hour slot)


@dataclass(frozen=True)
class BestRange:
    weekday: int
    start_slot: int
    end_slot: int  # exclusive
    expected_wait_s: float  # the mean of its slots' expected waits

    @property
    def start(self) -> time:
        return slot_time(self.start_slot)

    @property
    def end(self) -> time:
        """The end of the range (00:00 for a range that runs to midnight)."""
        return slot_time(self.end_slot % SLOTS_PER_DAY)


def slot_time(slot: int) -> time:
    return time(slot // 2, 30 * (slot % 2))


def open_slots(calendar: Calendar, days: Iterable[date]) -> set[Slot]:
    """The (weekday, slot)s open whole on these dates (the upcoming week: holidays and closures count)."""
    slots: set[Slot] = set()
    for day in days:
        periods = day_periods(calendar, day)[0]
        for slot in range(SLOTS_PER_DAY):
            start, end = slot * 30, slot * 30 + 30
            if any(_minutes(p.opens) <= start and end <= _minutes(p.closes, closing=True) for p in periods):
                slots.add((day.weekday(), slot))
    return slots


def _minutes(t: time, *, closing: bool = False) -> int:
    minutes = t.hour * 60 + t.minute
    return 24 * 60 if closing and minutes == 0 else minutes


def best_ranges(waits: Mapping[Slot, float | None], open_: Collection[Slot], count: int) -> list[BestRange]:
    """The `count` quietest ranges of open slots with a measured wait, in week order."""
    ranked = sorted((wait, slot) for slot, wait in waits.items() if wait is not None and slot in open_)
    taken: list[list[Slot]] = []
    for wait, slot in ranked:
        touching = [r for r in taken if _adjacent(r, slot)]
        if touching:
            merged = sorted({s for r in touching for s in r} | {slot})
            if len(merged) > MAX_RANGE_SLOTS or not all(_close(waits, r, wait) for r in touching):
                continue  # a range is not stretched over a busier or too long span; its neighbour opens none
            taken = [r for r in taken if r not in touching] + [merged]
        elif len(taken) < count:
            taken.append([slot])
        else:
            break
    ranges = [BestRange(r[0][0], r[0][1], r[-1][1] + 1, sum(_known(waits[s]) for s in r) / len(r)) for r in taken]
    return sorted(ranges, key=lambda r: (r.weekday, r.start_slot))


def _close(waits: Mapping[Slot, float | None], taken: list[Slot], wait: float) -> bool:
    quietest = min(_known(waits[s]) for s in taken)
    return wait <= quietest + max(CLOSE_WAIT_S, CLOSE_SHARE * quietest)


def _known(wait: float | None) -> float:
    return wait if wait is not None else 0.0


def _adjacent(taken: list[Slot], slot: Slot) -> bool:
    return any(day == slot[0] and abs(s - slot[1]) == 1 for day, s in taken)


def _time_text(t: time) -> str:
    if t.hour == 0 and t.minute == 0:
        return "minuit"
    return f"{t.hour} h {t.minute:02d}" if t.minute else f"{t.hour} h"


def range_text(r: BestRange) -> str:
    return f"le {DAY_NAMES[r.weekday]} de {_time_text(r.start)} à {_time_text(r.end)}"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} et {parts[-1]}"


def best_hours_text(ranges: list[BestRange]) -> str:
    """« Les meilleurs moments pour appeler sont le mardi de 14 h à 16 h et le jeudi de 9 h à 10 h 30. »"""
    if not ranges:
        return NO_HISTORY_TEXT
    return f"{WORD_PROMPTS[MEILLEURS_MOMENTS]} {_join([range_text(r) for r in ranges])}."


def best_hours_prompts(ranges: list[BestRange]) -> list[str]:
    """The same sentence as prompt names; nothing when there is nothing to say."""
    if not ranges:
        return []
    prompts = [MEILLEURS_MOMENTS]
    for index, r in enumerate(ranges):
        if index and index == len(ranges) - 1:
            prompts.append(ET)
        prompts += [LE, day_prompt(r.weekday), DE, *speak_time(r.start), A, *speak_time(r.end)]
    return prompts
