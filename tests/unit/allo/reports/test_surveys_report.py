"""The survey answers' rows and CSV (pure): Paris time on both sides of a clock change, French headers and labels,
no phone number; the filter's refusals."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from allo.db.after_call_models import SurveyResponse
from allo.reports.params import BadReportParams
from allo.reports.surveys import CSV_HEADER, row_json, survey_filter, surveys_csv


def response(call_id: str, started: datetime, **extra: object) -> SurveyResponse:
    values: dict[str, object] = {"queue": "l1", "agent": "agent1001", "reason": "impots", "origin": "queue",
                                 "status": "complete", "satisfaction": 4, "answered": True}
    return SurveyResponse(call_id=call_id, started_at=started, **(values | extra))


def test_rows_are_in_paris_time_across_the_autumn_clock_change() -> None:
    before = row_json(response("c1", datetime(2026, 10, 24, 22, 30, tzinfo=UTC)))  # 00:30 CEST on the 25th
    after = row_json(response("c2", datetime(2026, 10, 25, 22, 30, tzinfo=UTC), status="no_answer",
                              satisfaction=None, answered=None, origin="callback"))  # 23:30 CET on the 25th
    assert (before["day"], before["time"], before["started_at"]) == ("2026-10-25", "00:30:00",
                                                                      "2026-10-25T00:30:00+02:00")
    assert (after["day"], after["time"], after["started_at"]) == ("2026-10-25", "23:30:00",
                                                                   "2026-10-25T23:30:00+01:00")
    assert (after["status_label"], after["origin_label"]) == ("sans réponse", "rappel programmé")


def test_csv_has_french_headers_labels_and_no_number() -> None:
    rows = [row_json(response("1764000000.12", datetime(2026, 3, 29, 0, 30, tzinfo=UTC))),  # 01:30 CET
            row_json(response("1764000000.13", datetime(2026, 3, 29, 1, 30, tzinfo=UTC), status="partial",
                              answered=None, agent=None, reason=None))]  # 03:30 CEST
    text = surveys_csv(rows)
    assert text.endswith("\r\n") and text.count("\r\n") == 3
    table = list(csv.reader(io.StringIO(text)))
    assert tuple(table[0]) == CSV_HEADER == ("Appel", "Date (Paris)", "Heure (Paris)", "File", "Conseiller",
                                             "Origine", "Motif", "Statut", "Satisfaction (1 à 5)",
                                             "Question résolue")
    assert table[1] == ["1764000000.12", "2026-03-29", "01:30:00", "l1", "agent1001", "file d'attente", "impots",
                        "complète", "4", "oui"]
    assert table[2] == ["1764000000.13", "2026-03-29", "03:30:00", "l1", "", "file d'attente", "", "partielle", "4",
                        ""]


def test_the_filter() -> None:
    wanted = survey_filter("2026-12-01", "2026-12-07", "", "agent1001")
    assert (wanted.params.first, wanted.params.last, wanted.params.queue, wanted.agent) == (
        date(2026, 12, 1), date(2026, 12, 7), None, "agent1001")
    with pytest.raises(BadReportParams, match="is after"):
        survey_filter("2026-12-07", "2026-12-01", None, None)
    with pytest.raises(BadReportParams, match="range too long"):
        survey_filter("2025-01-01", "2026-12-01", None, None)
    with pytest.raises(BadReportParams, match="'agent' is too long"):
        survey_filter("2026-12-01", "2026-12-01", None, "x" * 64)
