"""The values the planning functions exchange (docs/planning.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

SLOTS_PER_DAY = 48
SLOT_SECONDS = 1800


@dataclass(frozen=True)
class SlotKey:
    """A half-hour of a Paris day: slot = (hour * 60 + minute) // 30."""

    day: date
    slot: int


@dataclass(frozen=True)
class SlotFigures:
    """What one queue recorded in one half-hour (a row of planning_halfhours)."""

    offered: int = 0
    answered: int = 0
    answered_in_sl: int = 0
    abandoned: int = 0
    handled: int = 0
    handle_sum_s: float = 0.0
    wait_sum_s: float = 0.0
    staffed_s: float = 0.0


@dataclass(frozen=True)
class SlotForecast:
    """The forecast of one queue for one weekday (0 = Monday) and half-hour."""

    weekday: int
    slot: int
    calls: float  # expected arrivals in the half-hour
    aht_s: float | None  # expected handling time (talk + wrap-up); None: nothing handled in the weeks used
    expected_wait_s: float | None  # weighted mean of the measured waits (answered calls)
    weeks: int  # how many weeks the figures rest on (0: no history for this half-hour)


@dataclass(frozen=True)
class Targets:
    """A queue's own targets (rules: service_level, sl_target_pct, asa_target)."""

    target_seconds: float
    target_percent: float
    max_asa_s: float | None = None


@dataclass(frozen=True)
class Staffing:
    """Erlang C figures for a number of agents on the phone."""

    agents: int
    service_level: float  # 0..1: share answered within the target seconds
    p_wait: float  # 0..1: probability of waiting at all
    asa_s: float  # average speed of answer
    occupancy: float  # 0..1
    scheduled: int  # agents to schedule once shrinkage is counted
