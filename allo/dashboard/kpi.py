"""Today's figures of each queue for the dashboard (pure).

The figures (offered, answered, abandons, service level, ASA, abandon rate, solved / escalated, callbacks kept
within the promise) are the reports' own: `allo.reports.aggregate.build` over today's local day, read here from
`Tally.figures()` and only renamed where the page has its own name. Their definitions are in docs/reports.md.
What is only the dashboard's lives here: the queues' targets (RAG inputs), the callbacks pending now, the calls
transferred in to a sector today and the calls taken per adviser.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from allo.db.callback_models import CallbackStatus
from allo.reports.aggregate import Tally, build
from allo.reports.buckets import Granularity, buckets_for
from allo.reports.rows import QueueInfo, ReportRows

PENDING_CALLBACKS = frozenset({CallbackStatus.PENDING, CallbackStatus.IN_PROGRESS})


@dataclass(frozen=True, slots=True)
class QueueTargets:
    name: str
    label: str = ""
    level: int = 2
    sector: str | None = None
    service_level: int = 20  # seconds
    sl_target_pct: int = 80
    short_abandon: int = 5  # seconds
    asa_target: int = 30  # seconds
    abandon_target_pct: int = 10

    def report_queue(self) -> QueueInfo:
        """The queue as the reports see it (same thresholds)."""
        return QueueInfo(self.name, self.label, self.level, self.service_level, self.short_abandon,
                         self.sl_target_pct)


@dataclass(frozen=True, slots=True)
class DayFigures:
    # The report's figures for today (docs/reports.md); report name in the comment where it differs.
    offered: int = 0
    answered: int = 0
    answered_within_sl: int = 0  # answered_in_sl
    abandoned: int = 0
    short_abandoned: int = 0
    callback_left: int = 0
    overflowed: int = 0
    left: int = 0
    waiting: int = 0
    service_level_pct: float | None = None
    abandon_rate_pct: float | None = None
    asa_seconds: float | None = None  # asa_s
    solved: int = 0
    escalated: int = 0
    solved_pct: float | None = None
    callbacks_requested: int = 0
    callbacks_completed: int = 0
    callbacks_measured: int = 0
    callbacks_kept: int = 0  # the citizen's phone first rang by due_by
    callbacks_kept_pct: float | None = None
    callbacks_reached_in_time: int = 0  # the citizen picked up by due_by
    callbacks_reached_in_time_pct: float | None = None
    # The dashboard's own.
    transferred_in: int = 0  # sector queues: calls transferred here today
    callbacks_pending: int = 0  # now, whatever day they were requested


# DayFigures field -> Tally.figures() key, for the report figures above.
REPORT_NAMES = {"answered_within_sl": "answered_in_sl", "asa_seconds": "asa_s"}
REPORT_FIELDS = ("offered", "answered", "answered_within_sl", "abandoned", "short_abandoned", "callback_left",
                 "overflowed", "left", "waiting", "service_level_pct", "abandon_rate_pct", "asa_seconds", "solved",
                 "escalated", "solved_pct", "callbacks_requested", "callbacks_completed", "callbacks_measured",
                 "callbacks_kept", "callbacks_kept_pct", "callbacks_reached_in_time", "callbacks_reached_in_time_pct")


def from_report(tally: Tally, *, transferred_in: int = 0, callbacks_pending: int = 0) -> DayFigures:
    report = tally.figures()
    return DayFigures(**{name: report[REPORT_NAMES.get(name, name)] for name in REPORT_FIELDS},
                      transferred_in=transferred_in, callbacks_pending=callbacks_pending)


def day_figures(targets: Sequence[QueueTargets], rows: ReportRows, day: date, *,
                transfers_in: Mapping[str, int], callbacks_pending: Mapping[str, int]) -> dict[str, DayFigures]:
    """Queue name -> figures of local day `day`, from the report rows of that day (`allo.reports.fetch.load_rows`),
    calls transferred in per sector and callbacks pending per queue."""
    reports = build([t.report_queue() for t in targets], buckets_for(day, day, Granularity.DAY), Granularity.DAY,
                    rows)
    return {t.name: from_report(r.total, transferred_in=transfers_in.get(t.sector, 0) if t.sector else 0,
                                callbacks_pending=callbacks_pending.get(t.name, 0))
            for t, r in zip(targets, reports, strict=True)}


def pending_callbacks(callbacks: Iterable[tuple[str, CallbackStatus]]) -> dict[str, int]:
    """Queue -> callbacks not settled yet (pending or being made), from (queue, status) pairs."""
    return dict(Counter(queue for queue, status in callbacks if status in PENDING_CALLBACKS))


def transferred_in(sectors: Iterable[str | None]) -> dict[str, int]:
    """Sector -> calls transferred there, from the sector of each of today's transfers."""
    return dict(Counter(sector for sector in sectors if sector))


def calls_taken(answered_by: Iterable[str | None]) -> dict[str, int]:
    """Adviser -> calls taken, from the adviser of each answered queue leg (a transferred call counts for both
    advisers)."""
    return dict(Counter(agent for agent in answered_by if agent))
