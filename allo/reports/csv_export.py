"""CSV of a report: RFC 4180 (comma, double quotes, CRLF), UTF-8, a header row, '.' as decimal point.

One row per queue and bucket, then one `total` row per queue; an empty cell is a figure with no value
(a rate or an average over nothing).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date

from allo.reports.aggregate import FIGURES, QueueReport, Tally
from allo.reports.buckets import Granularity, local_midnight
from routing.calendar_types import PARIS

HEADER = ("queue", "queue_label", "day", "bucket", "start", "end", *FIGURES)


def _cells(tally: Tally) -> list[str]:
    return ["" if value is None else str(value) for value in tally.figures().values()]


def report_csv(first: date, last: date, by: Granularity, reports: Sequence[QueueReport]) -> str:
    del by  # the buckets carry their own bounds
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    start = local_midnight(first).astimezone(PARIS).isoformat()
    end = local_midnight(date.fromordinal(last.toordinal() + 1)).astimezone(PARIS).isoformat()
    for report in reports:
        q = report.queue
        for bucket, tally in report.buckets:
            writer.writerow([q.name, q.label, bucket.day.isoformat(), bucket.label, bucket.local_start.isoformat(),
                             bucket.end.astimezone(PARIS).isoformat(), *_cells(tally)])
        writer.writerow([q.name, q.label, "", "total", start, end, *_cells(report.total)])
    return out.getvalue()
