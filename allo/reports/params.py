"""Report parameters from a query string, checked with a readable message (pure)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from allo.reports.buckets import Granularity

MAX_DAYS = {Granularity.DAY: 366, Granularity.HOUR: 31}


class BadReportParams(ValueError):
    """The message is shown as is to the user (422)."""


@dataclass(frozen=True)
class ReportParams:
    first: date
    last: date
    by: Granularity
    queue: str | None

    def query(self) -> str:
        args = {"from": self.first.isoformat(), "to": self.last.isoformat(), "by": self.by.value}
        return urlencode(args | ({"queue": self.queue} if self.queue else {}))


def parse_date(value: str | None, name: str) -> date:
    if not value:
        raise BadReportParams(f"'{name}' is required (a local date, YYYY-MM-DD)")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadReportParams(f"'{name}' must be a date YYYY-MM-DD, not {value[:40]!r}") from None


def date_range(first: str | None, last: str | None) -> tuple[date, date]:
    """`from` and `to` of a report: local dates, in order (BadReportParams otherwise)."""
    start, end = parse_date(first, "from"), parse_date(last, "to")
    if start > end:
        raise BadReportParams(f"'from' ({start}) is after 'to' ({end})")
    return start, end


def parse(first: str | None, last: str | None, by: str | None, queue: str | None,
          known_queues: Collection[str]) -> ReportParams:
    start, end = date_range(first, last)
    try:
        granularity = Granularity(by or "day")
    except ValueError:
        raise BadReportParams(f"'by' must be 'day' or 'hour', not {str(by)[:40]!r}") from None
    days = (end - start).days + 1
    limit = MAX_DAYS[granularity]
    if days > limit:
        raise BadReportParams(f"range too long: {days} days; at most {limit} days by {granularity.value}")
    name = queue or None
    if name is not None and name not in known_queues:
        raise BadReportParams(f"unknown queue {name[:63]!r}; known: {', '.join(sorted(known_queues))}")
    return ReportParams(start, end, granularity, name)


def default_range(today: date) -> tuple[date, date]:
    """The last 7 local days, today included."""
    return today - timedelta(days=6), today
