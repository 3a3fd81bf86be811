"""Local months of Europe/Paris for the barometer (pure): parsing `YYYY-MM`, the 12 months up to one, labels.

A month runs from local midnight of its 1st to local midnight of the next month's 1st, so March and October
are one hour shorter or longer than 24 hours a day (`buckets.local_midnight` does the DST arithmetic).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from allo.reports.buckets import local_midnight
from allo.reports.params import BadReportParams
from routing.calendar_types import PARIS

MONTH_NAMES = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
               "novembre", "décembre")
SPAN = 12  # months shown month over month, the chosen one last
_MONTH = re.compile(r"(\d{4})-(\d{2})")


def add_months(first: date, count: int) -> date:
    index = first.year * 12 + first.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def month_key(first: date) -> str:
    return f"{first.year:04d}-{first.month:02d}"


def month_label(first: date) -> str:
    return f"{MONTH_NAMES[first.month - 1]} {first.year}"


def month_of(instant: datetime) -> date:
    """The first day of the local (Paris) month holding an aware instant."""
    return instant.astimezone(PARIS).date().replace(day=1)


def bounds(first: date) -> tuple[datetime, datetime]:
    """The month as a half-open UTC interval."""
    return local_midnight(first), local_midnight(add_months(first, 1))


def default_month(today: date) -> date:
    """The last complete month: the one a barometer is published for."""
    return add_months(today.replace(day=1), -1)


def parse_month(text: str | None, today: date) -> date:
    """`YYYY-MM` → its first day; absent → the last complete month. Raises BadReportParams (shown as is)."""
    if not text:
        return default_month(today)
    match = _MONTH.fullmatch(text.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        raise BadReportParams(f"'month' must be a month YYYY-MM (from 2000-01), not {text[:40]!r}")
    first = date(int(match.group(1)), int(match.group(2)), 1)
    if first > today.replace(day=1):
        raise BadReportParams(f"'month' ({month_key(first)}) is in the future; the current month is "
                              f"{month_key(today.replace(day=1))}")
    return first


def months_up_to(last: date, span: int = SPAN) -> list[date]:
    """The `span` months ending with `last`, oldest first."""
    return [add_months(last, offset) for offset in range(1 - span, 1)]
