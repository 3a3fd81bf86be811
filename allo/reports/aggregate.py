"""Report figures per queue and per bucket, from visits and callbacks (pure). Definitions: docs/reports.md."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

from allo.db.callback_models import CallbackStatus
from allo.reports.buckets import Bucket, Granularity, bucket_key
from allo.reports.rows import RELAY_LINE, CallbackRow, QueueInfo, ReportRows
from allo.reports.visits import Visit, VisitOutcome, visits
from routing.calendar_types import PARIS, PARIS_NAME

BROKEN_WITHOUT_RING = frozenset({CallbackStatus.FAILED, CallbackStatus.EXPIRED})


@dataclass
class Tally:
    """Counts and sums; figures (rates, averages) are derived so that totals add up exactly."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    callback_left: int = 0
    overflowed: int = 0
    left: int = 0
    waiting: int = 0
    answered_in_sl: int = 0
    wait_sum: float = 0.0
    handled: int = 0
    handle_sum: float = 0.0
    solved: int = 0
    escalated: int = 0
    callbacks_requested: int = 0
    callbacks_completed: int = 0
    callbacks_measured: int = 0
    callbacks_kept: int = 0
    callbacks_reached_in_time: int = 0

    def add_visit(self, visit: Visit, queue: QueueInfo) -> None:
        if visit.outcome is VisitOutcome.ABANDONED and visit.wait < queue.short_abandon:
            self.short_abandoned += 1
            return
        self.offered += 1
        if visit.outcome is VisitOutcome.ANSWERED:
            self.answered += 1
            self.wait_sum += visit.wait
            self.answered_in_sl += int(visit.wait <= queue.service_level)
            if visit.handle is not None:
                self.handled += 1
                self.handle_sum += visit.handle
            if visit.transferred:
                self.escalated += 1
            else:
                self.solved += 1
        elif visit.outcome is VisitOutcome.ABANDONED:
            self.abandoned += 1
        elif visit.outcome is VisitOutcome.CALLBACK:
            self.callback_left += 1
        elif visit.outcome is VisitOutcome.OVERFLOW:
            self.overflowed += 1
        elif visit.outcome is VisitOutcome.LEFT:
            self.left += 1
        else:
            self.waiting += 1

    def add_callback(self, row: CallbackRow) -> None:
        self.callbacks_requested += 1
        if row.status is CallbackStatus.DONE:
            self.callbacks_completed += 1
        # Measured against the promise once the phone rang, or once closed without ever ringing (a promise
        # broken for sure); cancelled ones and those still waiting are not measured yet.
        if row.rang_at is not None or row.status in BROKEN_WITHOUT_RING:
            self.callbacks_measured += 1
        if row.rang_at is not None and row.rang_at <= row.due_by:
            self.callbacks_kept += 1
        if row.reached_at is not None and row.reached_at <= row.due_by:
            self.callbacks_reached_in_time += 1

    def merge(self, other: Tally) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def figures(self) -> dict[str, Any]:
        counted = self.answered + self.abandoned
        return {
            "offered": self.offered, "answered": self.answered, "abandoned": self.abandoned,
            "short_abandoned": self.short_abandoned, "callback_left": self.callback_left,
            "overflowed": self.overflowed, "left": self.left, "waiting": self.waiting,
            "answered_in_sl": self.answered_in_sl,
            "service_level_pct": _pct(self.answered_in_sl, counted),
            "abandon_rate_pct": _pct(self.abandoned, self.offered),
            "asa_s": _avg(self.wait_sum, self.answered),
            "aht_s": _avg(self.handle_sum, self.handled), "handled": self.handled,
            "solved": self.solved, "escalated": self.escalated,
            "solved_pct": _pct(self.solved, self.answered),
            "callbacks_requested": self.callbacks_requested, "callbacks_completed": self.callbacks_completed,
            "callbacks_measured": self.callbacks_measured, "callbacks_kept": self.callbacks_kept,
            "callbacks_kept_pct": _pct(self.callbacks_kept, self.callbacks_measured),
            "callbacks_reached_in_time": self.callbacks_reached_in_time,
            "callbacks_reached_in_time_pct": _pct(self.callbacks_reached_in_time, self.callbacks_measured),
        }


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _avg(total: float, count: int) -> float | None:
    return round(total / count, 1) if count else None


FIGURES = tuple(Tally().figures())  # column order of the CSV and the table


@dataclass
class QueueReport:
    queue: QueueInfo
    buckets: list[tuple[Bucket, Tally]]
    total: Tally = field(default_factory=Tally)


def build(queues: Sequence[QueueInfo], bucket_list: Sequence[Bucket], by: Granularity,
          rows: ReportRows, *, relay_line: bool = False) -> list[QueueReport]:
    """One report per queue in `queues` (in that order), every bucket of `bucket_list` present (zeros when
    nothing happened). Visits are counted in the bucket of their first arrival; callbacks in the bucket of their
    request; anything outside the buckets or in another queue is ignored. With `relay_line`, last comes
    `RELAY_LINE`: the visits of relay calls to those queues, each counted with its own queue's targets."""
    by_name = {q.name: q for q in queues}
    tallies = {q.name: {b.start: Tally() for b in bucket_list} for q in {*queues, RELAY_LINE}}

    def slot(queue: str, at: datetime) -> Tally | None:
        return tallies.get(queue, {}).get(bucket_key(at, by))

    for visit in visits(rows.legs, rows.calls):
        tally = slot(visit.queue, visit.arrived_at)
        if tally is not None:
            tally.add_visit(visit, by_name[visit.queue])
            call = rows.calls.get(visit.call_id)
            relay = slot(RELAY_LINE.name, visit.arrived_at) if call is not None and call.relay else None
            if relay is not None:
                relay.add_visit(visit, by_name[visit.queue])
    for row in rows.callbacks:
        tally = slot(row.queue, row.created_at)
        if tally is not None:
            tally.add_callback(row)
    reports = []
    for q in [*queues, RELAY_LINE] if relay_line else queues:
        report = QueueReport(q, [(b, tallies[q.name][b.start]) for b in bucket_list])
        for _bucket, tally in report.buckets:
            report.total.merge(tally)
        reports.append(report)
    return reports


def bucket_dict(bucket: Bucket, tally: Tally) -> dict[str, Any]:
    return {"start": bucket.local_start.isoformat(), "end": bucket.end.astimezone(PARIS).isoformat(),
            "day": bucket.day.isoformat(), "label": bucket.label, **tally.figures()}


def report_dict(first: date, last: date, by: Granularity, reports: Sequence[QueueReport]) -> dict[str, Any]:
    return {
        "from": first.isoformat(), "to": last.isoformat(), "by": by.value, "timezone": PARIS_NAME,
        "queues": [{"queue": r.queue.name, "label": r.queue.label, "level": r.queue.level,
                    "service_level_s": r.queue.service_level, "short_abandon_s": r.queue.short_abandon,
                    "sl_target_pct": r.queue.sl_target_pct, "total": r.total.figures(),
                    "buckets": [bucket_dict(b, t) for b, t in r.buckets]} for r in reports],
    }
