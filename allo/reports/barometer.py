"""The monthly quality barometer (pure): the shared indicators of one local month and of the 12 months up to it.

Every figure reuses a daily report's definition (docs/reports.md, « Baromètre qualité »): the queue figures are
the report's `Tally` fed with the report's visits and callbacks (counts summed, rates derived from the sums), the
reasons are `wrapups.aggregate`, the callback promise is the report's `callbacks_kept`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from allo.db.after_call_models import SurveyStatus
from allo.reports.aggregate import Tally
from allo.reports.months import add_months, bounds, month_key, month_label, month_of, months_up_to
from allo.reports.rows import QueueInfo, ReportRows
from allo.reports.visits import VisitOutcome, visits
from allo.reports.wrapups import WrapupRow
from allo.reports.wrapups import aggregate as wrapup_aggregate
from routing.calendar_types import PARIS, PARIS_NAME

TOP_REASONS = 10
TOP_FLAGS = 5
UNKNOWN_SECTOR = "inconnu"


@dataclass(frozen=True)
class SurveyRow:
    started_at: datetime
    status: str  # SurveyStatus
    satisfaction: int | None
    answered: bool | None


@dataclass(frozen=True)
class FlagRow:
    created_at: datetime
    subject: str  # the sheet's title, or the procedure's text


@dataclass(frozen=True)
class BarometerRows:
    report: ReportRows  # legs, calls and callbacks of the 12 months
    transferred_to: Mapping[str, str]  # call id → the sector the call was transferred to (calls.transferred_to)
    wrapups: Sequence[WrapupRow]
    surveys: Sequence[SurveyRow]
    flags: Sequence[FlagRow]


@dataclass
class SurveyTally:
    surveyed: int = 0
    responded: int = 0
    satisfaction_sum: int = 0
    satisfaction_count: int = 0
    answered_yes: int = 0
    answered_count: int = 0

    def add(self, row: SurveyRow) -> None:
        self.surveyed += 1
        self.responded += int(row.status != SurveyStatus.NO_ANSWER)
        if row.satisfaction is not None:
            self.satisfaction_sum += row.satisfaction
            self.satisfaction_count += 1
        if row.answered is not None:
            self.answered_count += 1
            self.answered_yes += int(row.answered)


@dataclass
class MonthTally:
    first: date
    queues: dict[str, Tally] = field(default_factory=dict)
    escalations: Counter[str] = field(default_factory=Counter)  # level-1 escalations by destination sector
    survey: SurveyTally = field(default_factory=SurveyTally)
    reasons: list[dict[str, Any]] = field(default_factory=list)  # wrapups.aggregate's by_reason
    wrapups: int = 0
    flags: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> Tally:
        """Every queue's visits, each counted with its own queue's thresholds (as the relay line)."""
        total = Tally()
        for tally in self.queues.values():
            total.merge(tally)
        return total


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def indicators(month: MonthTally, level1: str) -> dict[str, Any]:
    """The headline figures of one month (names are the JSON's and the CSV's)."""
    total = month.total.figures()
    l1 = month.queues.get(level1, Tally())
    s = month.survey
    return {
        "offered": total["offered"], "answered": total["answered"], "abandoned": total["abandoned"],
        "service_level_pct": total["service_level_pct"], "asa_s": total["asa_s"],
        "abandon_rate_pct": total["abandon_rate_pct"],
        "l1_answered": l1.answered, "l1_solved": l1.solved, "l1_escalated": l1.escalated,
        "l1_solved_pct": _pct(l1.solved, l1.answered), "l1_escalated_pct": _pct(l1.escalated, l1.answered),
        "callbacks_measured": total["callbacks_measured"], "callbacks_kept": total["callbacks_kept"],
        "callbacks_kept_pct": total["callbacks_kept_pct"],
        "surveyed": s.surveyed, "survey_responded": s.responded,
        "survey_response_rate_pct": _pct(s.responded, s.surveyed),
        "satisfaction_avg": round(s.satisfaction_sum / s.satisfaction_count, 2) if s.satisfaction_count else None,
        "question_answered_count": s.answered_count, "question_answered_yes": s.answered_yes,
        "question_answered_pct": _pct(s.answered_yes, s.answered_count),
        "wrapups": month.wrapups, "flags_raised": sum(month.flags.values()),
    }


def _count_visits(months: dict[date, MonthTally], queues: Sequence[QueueInfo], rows: BarometerRows, level1: str, *,
                  start: datetime, end: datetime) -> None:
    """The report's visits and callbacks (`Tally.add_visit`, `add_callback`: the same definitions as
    `aggregate.build`), in the month of their first arrival or of their request; and level 1's escalations."""
    by_name = {q.name: q for q in queues}
    for visit in visits(rows.report.legs, rows.report.calls):
        queue = by_name.get(visit.queue)
        if queue is None or not start <= visit.arrived_at < end:
            continue
        month = months[month_of(visit.arrived_at)]
        month.queues[queue.name].add_visit(visit, queue)
        if visit.queue == level1 and visit.outcome is VisitOutcome.ANSWERED and visit.transferred:
            month.escalations[rows.transferred_to.get(visit.call_id, UNKNOWN_SECTOR)] += 1
    for callback in rows.report.callbacks:
        if callback.queue in by_name and start <= callback.created_at < end:
            months[month_of(callback.created_at)].queues[callback.queue].add_callback(callback)


def compute(last: date, queues: Sequence[QueueInfo], level1: str, rows: BarometerRows) -> list[MonthTally]:
    """The 12 months up to `last` (oldest first). Rows outside them are ignored."""
    firsts = months_up_to(last)
    months = {first: MonthTally(first, {q.name: Tally() for q in queues}) for first in firsts}
    start, end = bounds(firsts[0])[0], bounds(last)[1]
    _count_visits(months, queues, rows, level1, start=start, end=end)
    inside = [r for r in rows.surveys if start <= r.started_at < end]
    for survey in inside:
        months[month_of(survey.started_at)].survey.add(survey)
    by_month: dict[date, list[WrapupRow]] = defaultdict(list)
    for wrapup in rows.wrapups:
        if start <= wrapup.ended_at < end:
            by_month[month_of(wrapup.ended_at)].append(wrapup)
    for first, month in months.items():
        counted = wrapup_aggregate(first, add_months(first, 1) - timedelta(days=1), by_month[first])
        month.reasons, month.wrapups = counted["by_reason"], counted["total"]
    for flag in rows.flags:
        if start <= flag.created_at < end:
            months[month_of(flag.created_at)].flags[flag.subject] += 1
    return [months[first] for first in firsts]


def change(now: float | int | None, before: float | int | None) -> float | int | None:
    """The month's value minus the previous month's (points for a %), None when either is unknown."""
    if now is None or before is None:
        return None
    return round(now - before, 2) if isinstance(now, float) or isinstance(before, float) else now - before


def month_dict(month: MonthTally, level1: str) -> dict[str, Any]:
    start, end = bounds(month.first)
    return {"month": month_key(month.first), "label": month_label(month.first),
            "start": start.astimezone(PARIS).isoformat(), "end": end.astimezone(PARIS).isoformat(),
            **indicators(month, level1)}


def barometer_dict(months: Sequence[MonthTally], queues: Sequence[QueueInfo], level1: str,
                   sectors: Mapping[str, str]) -> dict[str, Any]:
    """The JSON of `GET /api/reports/barometer` (its model: allo/api/reports_barometer.py)."""
    now, before = months[-1], months[-2]
    current, previous = month_dict(now, level1), month_dict(before, level1)
    share = now.wrapups or 0
    before_reasons = {r["reason"]: r["count"] for r in before.reasons}
    return {
        "month": current["month"], "label": current["label"], "previous_month": previous["month"],
        "timezone": PARIS_NAME, "current": current, "previous": previous,
        "change": {k: change(v, previous[k]) for k, v in current.items()
                   if isinstance(v, int | float) or v is None},
        "months": [month_dict(m, level1) for m in months],
        "queues": [{"queue": q.name, "label": q.label, "level": q.level,
                    "months": [{"month": month_key(m.first), **m.queues[q.name].figures()} for m in months]}
                   for q in queues],
        "escalations": [{"sector": sector, "label": sectors.get(sector, sector), "count": count,
                         "previous": before.escalations.get(sector, 0)}
                        for sector, count in sorted({**dict.fromkeys(before.escalations, 0),
                                                     **now.escalations}.items(), key=lambda i: (-i[1], i[0]))],
        "reasons": [{"reason": r["reason"], "count": r["count"], "share_pct": _pct(r["count"], share),
                     "previous": before_reasons.get(r["reason"], 0)} for r in now.reasons[:TOP_REASONS]],
        "flags": [{"subject": subject, "count": count}
                  for subject, count in sorted(now.flags.items(), key=lambda i: (-i[1], i[0]))[:TOP_FLAGS]],
    }
