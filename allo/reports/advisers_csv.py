"""CSV of the per-adviser report: RFC 4180 (comma, double quotes, CRLF), UTF-8, French headers, '.' as decimal
point. One row per adviser and bucket where something happened, then a `total` row per adviser; then one column
per pause reason and per sector met in the report. An empty cell is an average or a rate over nothing."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from allo.reports.advisers import AdviserReport, AdviserTally
from allo.reports.buckets import Bucket, local_midnight
from routing.calendar_types import PARIS

COLUMNS = (  # (figure, French header), in the JSON's order
    ("calls_taken", "appels pris"), ("calls_queue", "dont file d'attente"),
    ("calls_repeat", "dont rappel direct (même conseiller)"), ("calls_callback", "dont rappels"),
    ("talk_s", "temps de communication (s)"), ("avg_talk_s", "durée moyenne de communication (s)"),
    ("wrapups", "après-appels"), ("wrapup_s", "temps d'après-appel (s)"),
    ("avg_wrapup_s", "durée moyenne d'après-appel (s)"), ("wrapups_saved", "fins d'appel enregistrées"),
    ("wrapups_expired", "fins d'appel sans motif (délai dépassé)"), ("aht_s", "durée moyenne de traitement (s)"),
    ("logged_in_s", "temps connecté (s)"), ("pause_s", "temps de pause (s)"), ("occupancy_pct", "occupation (%)"),
    ("transfers", "transferts"), ("satisfaction_count", "notes de satisfaction"),
    ("satisfaction_avg", "satisfaction moyenne (1 à 5)"), ("question_answered_count", "réponses « question répondue »"),
    ("question_answered_pct", "question répondue (%)"),
)
HEAD = ("conseiller", "nom", "période", "début", "fin")


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def _cells(tally: AdviserTally, reasons: Sequence[str], sectors: Sequence[str]) -> list[str]:
    f = tally.figures()
    return ([_cell(f[name]) for name, _ in COLUMNS] + [_cell(f["pause_by_reason"].get(r, 0)) for r in reasons]
            + [_cell(f["transfers_by_sector"].get(s, 0)) for s in sectors])


def _bounds(bucket: Bucket) -> list[str]:
    return [bucket.local_start.isoformat(), bucket.end.astimezone(PARIS).isoformat()]


def advisers_csv(first: date, last: date, reports: Sequence[AdviserReport], pause_labels: dict[str, str]) -> str:
    reasons = sorted({r for rep in reports for r in rep.total.pause_by_reason})
    sectors = sorted({s for rep in reports for s in rep.total.transfers_by_sector})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*HEAD, *(header for _, header in COLUMNS),
                     *(f"pause « {pause_labels.get(r, r)} » (s)" for r in reasons),
                     *(f"transferts vers {s}" for s in sectors)])
    start = local_midnight(first).astimezone(PARIS).isoformat()
    end = local_midnight(last + timedelta(days=1)).astimezone(PARIS).isoformat()
    for report in reports:
        for bucket, tally in report.buckets:
            writer.writerow([report.agent, report.name, bucket.label, *_bounds(bucket),
                             *_cells(tally, reasons, sectors)])
        writer.writerow([report.agent, report.name, "total", start, end, *_cells(report.total, reasons, sectors)])
    return out.getvalue()
