"""Wrap-ups per local day (Europe/Paris), queue, reason and outcome (docs/reports.md, "Wrap-ups").

A wrap-up counts once it is over: saved by the adviser, or expired (its deadline passed with nothing saved: the
reason is « sans motif », the outcome `expired`). Its day is the day the call ended for the adviser. The wrap-up
duration is from the end of the call to the save (expired ones have none). Reading is one query; the grouping is
pure (`aggregate`), tested without a database.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from allo.db.desk_models import CallWrapup, WrapupOutcome
from allo.reports.buckets import local_midnight
from allo.reports.params import ReportParams, parse
from routing.calendar_types import PARIS, PARIS_NAME

NO_REASON = "sans motif"
EXPIRED = "expired"
OUTCOME_LABELS = {WrapupOutcome.ANSWERED.value: "répondu au niveau 1", WrapupOutcome.TRANSFERRED.value: "transféré",
                  WrapupOutcome.ORIENTED.value: "orienté vers un organisme",
                  WrapupOutcome.CALLBACK.value: "rappel promis", WrapupOutcome.OUT_OF_SCOPE.value: "hors champ",
                  EXPIRED: "non renseigné (délai dépassé)"}
HEADER = ("day", "queue", "reason_kind", "reason_code", "reason", "outcome", "count", "avg_wrapup_s")


@dataclass(frozen=True, slots=True)
class WrapupRow:
    ended_at: datetime  # the end of the call for the adviser (the creation of the row when unknown)
    queue: str
    reason_kind: str | None
    reason_code: str | None
    reason_label: str | None
    outcome: str | None
    done_at: datetime | None
    expired: bool


@dataclass
class _Group:
    count: int = 0
    seconds: float = 0.0
    timed: int = 0

    def add(self, row: WrapupRow) -> None:
        self.count += 1
        if row.done_at is not None and not row.expired:
            self.seconds += max(0.0, (row.done_at - row.ended_at).total_seconds())
            self.timed += 1

    @property
    def average(self) -> float | None:
        return round(self.seconds / self.timed, 1) if self.timed else None


def _key(row: WrapupRow) -> tuple[str, str, str, str, str, str]:
    day = row.ended_at.astimezone(PARIS).date().isoformat()
    if row.expired:
        return day, row.queue, "", "", NO_REASON, EXPIRED
    return day, row.queue, row.reason_kind or "", row.reason_code or "", row.reason_label or NO_REASON, \
        row.outcome or EXPIRED


def aggregate(first: date, last: date, rows: Iterable[WrapupRow]) -> dict[str, Any]:
    groups: dict[tuple[str, ...], _Group] = defaultdict(_Group)
    total = _Group()
    reasons: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    for row in rows:
        key = _key(row)
        groups[key].add(row)
        total.add(row)
        reasons[key[4]] += 1
        outcomes[key[5]] += 1
    return {
        "from": first.isoformat(), "to": last.isoformat(), "timezone": PARIS_NAME,
        "total": total.count, "avg_wrapup_s": total.average,
        "rows": [dict(zip(HEADER, (*key, group.count, group.average), strict=True))
                 for key, group in sorted(groups.items())],
        "by_reason": [{"reason": reason, "count": count}
                      for reason, count in sorted(reasons.items(), key=lambda item: (-item[1], item[0]))],
        "by_outcome": [{"outcome": outcome, "label": OUTCOME_LABELS.get(outcome, outcome), "count": count}
                       for outcome, count in sorted(outcomes.items(), key=lambda item: (-item[1], item[0]))],
    }


def wrapups_csv(report: dict[str, Any]) -> str:
    """RFC 4180, UTF-8, a header row, one row per day, queue, reason and outcome."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in report["rows"]:
        writer.writerow(["" if row[name] is None else row[name] for name in HEADER])
    return out.getvalue()


def wrapup_params(first: str | None, last: str | None) -> ReportParams:
    """The range (at most 366 days); raises BadReportParams with the message for the user."""
    return parse(first, last, "day", None, ())


async def load_wrapup_rows(engine: AsyncEngine, start: datetime, end: datetime) -> list[WrapupRow]:
    """The wrap-ups over (saved or expired) whose call ended in [start, end) (also read by the barometer)."""
    ended = func.coalesce(CallWrapup.call_ended_at, CallWrapup.created_at)
    query = (select(ended.label("ended_at"), func.coalesce(CallWrapup.queue, "").label("queue"),
                    CallWrapup.reason_kind, CallWrapup.reason_code, CallWrapup.reason_label, CallWrapup.outcome,
                    CallWrapup.done_at, CallWrapup.expired)
             .where(ended >= start, ended < end, or_(CallWrapup.done_at.is_not(None), CallWrapup.expired)))
    async with engine.connect() as conn:
        return [WrapupRow(*row) for row in (await conn.execute(query)).all()]


async def wrapup_report(engine: AsyncEngine, params: ReportParams) -> dict[str, Any]:
    start, end = local_midnight(params.first), local_midnight(params.last + timedelta(days=1))
    return aggregate(params.first, params.last, await load_wrapup_rows(engine, start, end))
