"""The barometer as CSV (pure): one row per indicator, scope and month, French headers (docs/reports.md).

Long rather than wide: the reasons and sectors vary from month to month, and a spreadsheet's pivot table turns
the rows back into a month-by-month grid. RFC 4180 (comma, CRLF), UTF-8, '.' as decimal point.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from allo.reports.barometer import MonthTally, indicators
from allo.reports.months import month_key
from allo.reports.rows import QueueInfo

HEADER = ("mois", "périmètre", "indicateur", "libellé", "valeur", "unité")
ALL = "ensemble"

# The headline indicators: key → (French label, unit). Also the page's table.
LABELS: dict[str, tuple[str, str]] = {
    "offered": ("Appels offerts", "appels"),
    "answered": ("Appels répondus", "appels"),
    "abandoned": ("Appels abandonnés", "appels"),
    "service_level_pct": ("Niveau de service", "%"),
    "asa_s": ("Délai moyen de réponse", "s"),
    "abandon_rate_pct": ("Taux d'abandon", "%"),
    "l1_answered": ("Répondus au niveau 1", "appels"),
    "l1_solved": ("Résolus au niveau 1", "appels"),
    "l1_escalated": ("Transférés au niveau 2", "appels"),
    "l1_solved_pct": ("Part résolue au niveau 1", "%"),
    "l1_escalated_pct": ("Part transférée au niveau 2", "%"),
    "callbacks_measured": ("Rappels mesurés", "rappels"),
    "callbacks_kept": ("Rappels tenus (sonné dans le délai)", "rappels"),
    "callbacks_kept_pct": ("Promesse de rappel tenue", "%"),
    "surveyed": ("Appelants interrogés", "appelants"),
    "survey_responded": ("Réponses à l'enquête", "appelants"),
    "survey_response_rate_pct": ("Taux de réponse à l'enquête", "%"),
    "satisfaction_avg": ("Satisfaction moyenne", "sur 5"),
    "question_answered_count": ("Réponses à « question traitée »", "appelants"),
    "question_answered_yes": ("Question traitée : oui", "appelants"),
    "question_answered_pct": ("Question traitée", "%"),
    "wrapups": ("Fins d'appel renseignées ou expirées", "fins d'appel"),
    "flags_raised": ("Difficultés de procédure signalées", "signalements"),
}
QUEUE_FIGURES: dict[str, tuple[str, str]] = {
    "offered": LABELS["offered"], "answered": LABELS["answered"], "abandoned": LABELS["abandoned"],
    "service_level_pct": LABELS["service_level_pct"], "asa_s": LABELS["asa_s"],
    "abandon_rate_pct": LABELS["abandon_rate_pct"], "solved": ("Résolus dans la file", "appels"),
    "escalated": ("Transférés par le conseiller", "appels"),
    "callbacks_kept_pct": LABELS["callbacks_kept_pct"],
}


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def rows(months: Sequence[MonthTally], queues: Sequence[QueueInfo], level1: str,
         sectors: Mapping[str, str]) -> Iterator[tuple[str, ...]]:
    for month in months:
        key = month_key(month.first)
        for name, value in indicators(month, level1).items():
            label, unit = LABELS[name]
            yield key, ALL, name, label, _cell(value), unit
        for queue in queues:
            figures = month.queues[queue.name].figures()
            for name, (label, unit) in QUEUE_FIGURES.items():
                yield key, queue.name, name, label, _cell(figures[name]), unit
        for sector, count in sorted(month.escalations.items()):
            yield key, sector, "l1_escalated_to", f"Transférés vers {sectors.get(sector, sector)}", str(count), \
                "appels"
        for reason in month.reasons:
            yield key, reason["reason"], "reason", "Motif d'appel (fins d'appel)", str(reason["count"]), \
                "fins d'appel"
        for subject, count in sorted(month.flags.items()):
            yield key, subject, "flags_raised", LABELS["flags_raised"][0], str(count), "signalements"


def barometer_csv(months: Sequence[MonthTally], queues: Sequence[QueueInfo], level1: str,
                  sectors: Mapping[str, str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows(months, queues, level1, sectors))
    return out.getvalue()
