"""Parameters of the per-adviser report (pure): the range, per local day or month, one adviser or all; and the
month buckets (a month of Europe/Paris, cut to the range). Messages are shown as is to the user (422)."""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from allo.reports.buckets import Bucket, Granularity, buckets_for, local_midnight
from allo.reports.params import BadReportParams, date_range

MAX_DAYS = 366


class Per(enum.StrEnum):
    DAY = "day"
    MONTH = "month"


@dataclass(frozen=True)
class AdviserParams:
    first: date
    last: date
    by: Per
    agent: str | None

    def query(self) -> str:
        args = {"from": self.first.isoformat(), "to": self.last.isoformat(), "by": self.by.value}
        return urlencode(args | ({"agent": self.agent} if self.agent else {}))


def parse(first: str | None, last: str | None, by: str | None, agent: str | None,
          known_agents: Collection[str]) -> AdviserParams:
    start, end = date_range(first, last)
    try:
        per = Per(by or "day")
    except ValueError:
        raise BadReportParams(f"'by' must be 'day' or 'month', not {str(by)[:40]!r}") from None
    days = (end - start).days + 1
    if days > MAX_DAYS:
        raise BadReportParams(f"range too long: {days} days; at most {MAX_DAYS} days")
    name = agent or None
    if name is not None and name not in known_agents:
        raise BadReportParams(f"unknown adviser {name[:63]!r}")
    return AdviserParams(start, end, per, name)


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def adviser_buckets(first: date, last: date, per: Per) -> list[Bucket]:
    """Local days, or local months cut to [first, last] (labelled YYYY-MM, `day` = the first day kept)."""
    if per is Per.DAY:
        return buckets_for(first, last, Granularity.DAY)
    out = []
    day = first
    while day <= last:
        stop = min(_next_month(day), last + timedelta(days=1))
        out.append(Bucket(local_midnight(day), local_midnight(stop), day, f"{day:%Y-%m}"))
        day = stop
    return out
