"""The week plan of one queue as the page, the API and the CSV show it (pure; docs/planning.md, « /planning »).

Each open half-hour of each date of the reference week gets its forecast calls and handling time, the advisers
needed on the phone at the queue's own targets and to schedule (shrinkage), the advisers present in the same
half-hour of the weeks the forecast rests on (mean `staffed_s / 1800`) and the gap. Under-staffed: present < needed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from acd.planning.types import SLOT_SECONDS, SlotKey, Targets

WEEK_DAYS = 7


@dataclass(frozen=True, slots=True)
class Need:
    """What the Erlang plan says of one (weekday, slot)."""

    calls: float
    aht_s: float | None
    agents: int
    scheduled: int
    weeks: int


@dataclass(frozen=True, slots=True)
class PlanCell:
    day: date
    slot: int
    calls: float
    aht_s: float | None
    needed: int  # on the phone, at the queue's targets
    scheduled: int  # to schedule, shrinkage counted
    present: float | None  # mean advisers present in the same half-hour of the weeks used; None: no week used
    weeks: int

    @property
    def gap(self) -> float | None:
        """present - needed: negative when under-staffed."""
        return None if self.present is None else round(self.present - self.needed, 2)

    @property
    def short(self) -> bool:
        return self.present is not None and self.present < self.needed


@dataclass(frozen=True, slots=True)
class QueuePlan:
    queue: str
    label: str
    targets: Targets
    days_used: tuple[date, ...]  # the past dates the forecast rests on, most recent first
    cells: tuple[PlanCell, ...]  # open half-hours only, by date then slot

    @property
    def weeks(self) -> int:
        return max((c.weeks for c in self.cells), default=0)

    def cell(self, day: date, slot: int) -> PlanCell | None:
        return next((c for c in self.cells if c.day == day and c.slot == slot), None)

    @property
    def slots(self) -> list[int]:
        """The rows of the grid: every half-hour open on at least one date of the week."""
        return sorted({c.slot for c in self.cells})


def present_mean(staffed: Mapping[SlotKey, float], days: Sequence[date], slot: int) -> float | None:
    """Mean advisers present over `days` in `slot`: a day with no row counts as nobody there."""
    if not days:
        return None
    return round(sum(staffed.get(SlotKey(day, slot), 0.0) for day in days) / SLOT_SECONDS / len(days), 2)


def queue_plan(queue: str, label: str, targets: Targets, monday: date, *, needs: Mapping[tuple[int, int], Need],
               open_slots: Mapping[date, Sequence[int]], staffed: Mapping[SlotKey, float],
               days_by_weekday: Mapping[int, Sequence[date]]) -> QueuePlan:
    cells = []
    for offset in range(WEEK_DAYS):
        day = monday + timedelta(days=offset)
        used = days_by_weekday.get(day.weekday(), ())
        for slot in open_slots.get(day, ()):
            need = needs.get((day.weekday(), slot), Need(0.0, None, 0, 0, 0))
            cells.append(PlanCell(day, slot, round(need.calls, 2), None if need.aht_s is None else round(need.aht_s, 1),
                                  need.agents, need.scheduled, present_mean(staffed, used, slot), need.weeks))
    days_used = sorted({d for days in days_by_weekday.values() for d in days}, reverse=True)
    return QueuePlan(queue, label, targets, tuple(days_used), tuple(cells))
