"""Wrap-ups per Paris day, queue, reason and outcome (pure grouping, CSV and chart)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from allo.reports.params import BadReportParams
from allo.reports.wrapup_chart import reason_chart
from allo.reports.wrapups import HEADER, NO_REASON, WrapupRow, aggregate, wrapup_params, wrapups_csv

# 22:30 UTC on 7 December is 23:30 in Paris; 23:30 UTC is already 8 December there.
LATE = datetime(2026, 12, 7, 22, 30, tzinfo=UTC)
AFTER_MIDNIGHT = datetime(2026, 12, 7, 23, 30, tzinfo=UTC)


def saved(ended: datetime, seconds: float, code: str = "suivi-dossier", label: str = "Suivi d'un dossier",
          outcome: str = "answered", queue: str = "l1") -> WrapupRow:
    return WrapupRow(ended, queue, "list", code, label, outcome, ended + timedelta(seconds=seconds), False)


def expired(ended: datetime, queue: str = "l1", chosen: str | None = None) -> WrapupRow:
    return WrapupRow(ended, queue, "list" if chosen else None, chosen, chosen, None, None, True)


def test_groups_by_paris_day_queue_reason_and_outcome_with_the_average_duration():
    rows = [saved(LATE, 10), saved(LATE, 20), saved(AFTER_MIDNIGHT, 6),
            WrapupRow(LATE, "l2-travail", "theme", "N90200", "Travail", "transferred", LATE + timedelta(seconds=4),
                      False),
            expired(LATE), expired(LATE, chosen="Réclamation")]
    report = aggregate(date(2026, 12, 7), date(2026, 12, 8), rows)
    assert report["total"] == 6 and report["timezone"] == "Europe/Paris"
    assert report["avg_wrapup_s"] == 10.0  # (10 + 20 + 6 + 4) / 4: expired ones have no duration
    groups = {(r["day"], r["queue"], r["reason"], r["outcome"]): (r["count"], r["avg_wrapup_s"])
              for r in report["rows"]}
    assert groups == {
        ("2026-12-07", "l1", "Suivi d'un dossier", "answered"): (2, 15.0),
        ("2026-12-08", "l1", "Suivi d'un dossier", "answered"): (1, 6.0),
        ("2026-12-07", "l2-travail", "Travail", "transferred"): (1, 4.0),
        # Expired: « sans motif », even when a reason had been chosen during the call and never saved.
        ("2026-12-07", "l1", NO_REASON, "expired"): (2, None),
    }
    assert report["by_reason"] == [{"reason": "Suivi d'un dossier", "count": 3}, {"reason": NO_REASON, "count": 2},
                                   {"reason": "Travail", "count": 1}]
    assert [(o["outcome"], o["count"]) for o in report["by_outcome"]] == [("answered", 3), ("expired", 2),
                                                                          ("transferred", 1)]
    assert report["by_outcome"][1]["label"].startswith("non renseigné")


def test_csv_has_a_header_and_one_row_per_group():
    report = aggregate(date(2026, 12, 7), date(2026, 12, 7), [saved(LATE, 10), expired(LATE)])
    rows = list(csv.reader(io.StringIO(wrapups_csv(report))))
    assert tuple(rows[0]) == HEADER
    assert rows[1:] == [["2026-12-07", "l1", "", "", NO_REASON, "expired", "1", ""],
                        ["2026-12-07", "l1", "list", "suivi-dossier", "Suivi d'un dossier", "answered", "1", "10.0"]]


def test_the_chart_draws_one_bar_per_reason_and_escapes_labels():
    report = aggregate(date(2026, 12, 7), date(2026, 12, 7),
                       [saved(LATE, 1, code="x", label="<b>Logement</b>"), saved(LATE, 1), expired(LATE)])
    svg = reason_chart(report)
    assert svg.count("<rect") == 3 and "&lt;b&gt;Logement&lt;/b&gt;" in svg and "<b>" not in svg
    assert "Aucune fin" in reason_chart(aggregate(date(2026, 12, 7), date(2026, 12, 7), []))


def test_the_range_is_checked():
    params = wrapup_params("2026-12-01", "2026-12-07")
    assert (params.first, params.last) == (date(2026, 12, 1), date(2026, 12, 7))
    for first, last in (("2026-12-08", "2026-12-07"), ("2025-01-01", "2026-12-07"), ("hier", "2026-12-07"),
                        (None, "2026-12-07")):
        with pytest.raises(BadReportParams):
            wrapup_params(first, last)
