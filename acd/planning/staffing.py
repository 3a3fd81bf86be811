"""The week plan (docs/planning.md): for each queue and half-hour of the forecast week, the agents needed at the
queue's own targets and the agents to schedule once shrinkage is counted."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from acd.planning.erlang import PlanningInputError, agents_needed, check_targets
from acd.planning.types import SLOT_SECONDS, SlotForecast, Staffing, Targets

SlotOfWeek = tuple[int, int]  # (weekday 0 = Monday, half-hour slot 0..47)


@dataclass(frozen=True)
class PlannedSlot:
    """One queue's half-hour in the plan.

    `aht_s` is the slot's handling time: its own forecast, else the queue's week mean (calls forecast where nothing
    was handled in the weeks used, e.g. every caller hung up). `staffing` is None when there
    is nothing to staff: no calls forecast, or no handling time known anywhere in the queue's week.
    """

    forecast: SlotForecast
    agents: int  # on the phone, to meet the targets
    scheduled: int  # to schedule: agents / (1 - shrinkage), rounded up
    aht_s: float | None
    staffing: Staffing | None

    @property
    def service_level(self) -> float | None:
        return None if self.staffing is None else self.staffing.service_level

    @property
    def asa_s(self) -> float | None:
        """The average speed of answer; None when unknown or infinite (an unstable queue)."""
        if self.staffing is None or math.isinf(self.staffing.asa_s):
            return None
        return self.staffing.asa_s


def week_aht(forecasts: Mapping[SlotOfWeek, SlotForecast]) -> float | None:
    """The queue's handling time over the week, each slot weighing its forecast calls; None when none is known."""
    weighted = [(f.calls, f.aht_s) for f in forecasts.values() if f.aht_s is not None and f.aht_s > 0 and f.calls > 0]
    calls = sum(c for c, _ in weighted)
    if calls <= 0:
        return None
    return sum(c * aht for c, aht in weighted) / calls


def plan_slot(forecast: SlotForecast, targets: Targets, shrinkage: float,
              fallback_aht_s: float | None = None) -> PlannedSlot:
    """The agents one half-hour needs; a half-hour with no forecast calls needs none."""
    aht = forecast.aht_s if forecast.aht_s is not None and forecast.aht_s > 0 else fallback_aht_s
    if forecast.calls <= 0 or aht is None:
        return PlannedSlot(forecast, 0, 0, aht, None)
    calls_per_hour = forecast.calls * 3600.0 / SLOT_SECONDS
    staffing = agents_needed(calls_per_hour, aht, targets, shrinkage)
    return PlannedSlot(forecast, staffing.agents, staffing.scheduled, aht, staffing)


def plan_week(forecasts: Mapping[str, Mapping[SlotOfWeek, SlotForecast]], targets: Mapping[str, Targets],
              shrinkage: float) -> dict[str, dict[SlotOfWeek, PlannedSlot]]:
    """{queue: {(weekday, slot): PlannedSlot}} at each queue's own targets.

    Raises PlanningInputError (French message naming the queue) for a queue without targets or with impossible ones.
    """
    plan: dict[str, dict[SlotOfWeek, PlannedSlot]] = {}
    for queue, slots in forecasts.items():
        if queue not in targets:
            raise PlanningInputError(f"file « {queue} » : aucun objectif de service défini")
        try:
            queue_targets = check_targets(targets[queue])
            fallback = week_aht(slots)
            plan[queue] = {key: plan_slot(forecast, queue_targets, shrinkage, fallback)
                           for key, forecast in sorted(slots.items())}
        except PlanningInputError as exc:
            raise PlanningInputError(f"file « {queue} » : {exc}") from exc
    return plan
