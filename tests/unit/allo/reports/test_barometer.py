"""The barometer's pure parts with numbers: local months (DST), the fold of days into months, the indicators,
the change, the CSV and the charts."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

import pytest

from allo.db.callback_models import CallbackStatus
from allo.db.models import LegOutcome
from allo.reports.barometer import BarometerRows, FlagRow, SurveyRow, barometer_dict, change, compute, indicators
from allo.reports.barometer_chart import Series, line_chart, volume_chart
from allo.reports.barometer_csv import HEADER, barometer_csv
from allo.reports.months import bounds, month_label, months_up_to, parse_month
from allo.reports.params import BadReportParams
from allo.reports.rows import CallbackRow, CallRow, LegRow, QueueInfo, ReportRows
from allo.reports.wrapups import WrapupRow

QUEUES = [QueueInfo("l1", "Niveau 1", 1), QueueInfo("l2-travail", "Niveau 2 - Droit du travail", 2, 30)]
SECTORS = {"travail": "Niveau 2 - Droit du travail"}
TODAY = date(2026, 12, 7)


def z(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_months_parse_default_future_and_errors():
    assert parse_month("2025-10", TODAY) == date(2025, 10, 1)
    assert parse_month(None, TODAY) == date(2026, 11, 1)  # the last complete month
    assert parse_month("2026-12", TODAY) == date(2026, 12, 1)
    for bad, message in (("2025-13", "must be a month YYYY-MM"), ("2025-1", "must be a month"),
                         ("octobre", "must be a month"), ("1999-12", "from 2000-01"),
                         ("2027-01", "'month' (2027-01) is in the future; the current month is 2026-12")):
        with pytest.raises(BadReportParams, match=re.escape(message)):
            parse_month(bad, TODAY)


def test_months_are_local_and_dst_correct():
    start, end = bounds(date(2025, 10, 1))
    assert (start, end) == (z(2025, 9, 30, 22), z(2025, 10, 31, 23))
    assert end - start == timedelta(days=31, hours=1)  # 26 October 2025 has 25 hours
    start, end = bounds(date(2025, 3, 1))
    assert end - start == timedelta(days=31, hours=-1)  # 30 March 2025 has 23 hours
    assert months_up_to(date(2025, 3, 1))[0] == date(2024, 4, 1) and len(months_up_to(date(2025, 3, 1))) == 12
    assert month_label(date(2025, 8, 1)) == "août 2025"


def leg(i: int, call: str, queue: str, joined: datetime, outcome: LegOutcome, wait: int,
        end_reason: str | None = None) -> LegRow:
    return LegRow(i, call, queue, joined, joined + timedelta(seconds=wait), outcome, wait, end_reason)


def rows() -> BarometerRows:
    A, AB = LegOutcome.ANSWERED, LegOutcome.ABANDONED
    legs = [
        # 2025-10-01 00:30 Paris (+02:00) is still September 30th in UTC: October.
        leg(1, "a", "l1", z(2025, 9, 30, 22, 30), A, 10),
        # Answered after 25 s (over 20 s), transferred to Travail, answered there after 30 s (within 30 s).
        leg(2, "b", "l1", z(2025, 10, 10, 8), A, 25, "transfer"),
        leg(3, "b", "l2-travail", z(2025, 10, 10, 8, 5), A, 30),
        leg(4, "c", "l1", z(2025, 10, 26, 1, 30), AB, 40),  # 02:30 (+01:00), the repeated hour
        leg(5, "d", "l1", z(2025, 10, 12, 9), AB, 3),  # short abandon: in neither offered nor abandoned
        # 2025-11-01 00:30 Paris (+01:00) is October 31st in UTC: November.
        leg(6, "e", "l1", z(2025, 10, 31, 23, 30), AB, 30),
        leg(7, "f", "l1", z(2025, 9, 15, 8), A, 5),  # September
    ]
    calls = {c: CallRow(c, None) for c in "abcdef"}
    callbacks = [CallbackRow("l1", z(2025, 10, 3, 8), CallbackStatus.DONE, z(2025, 10, 3, 8, 45),
                             reached_at=z(2025, 10, 3, 8, 40), rang_at=z(2025, 10, 3, 8, 39)),
                 CallbackRow("l1", z(2025, 10, 4, 8), CallbackStatus.DONE, z(2025, 10, 4, 8, 45),
                             reached_at=z(2025, 10, 4, 9), rang_at=z(2025, 10, 4, 8, 59)),
                 CallbackRow("l1", z(2025, 10, 5, 8), CallbackStatus.CANCELLED, z(2025, 10, 5, 8, 45))]
    wrapups = [WrapupRow(z(2025, 10, 2, 9), "l1", "list", "impots", "Impôts", "answered", z(2025, 10, 2, 9, 1),
                         False),
               WrapupRow(z(2025, 10, 3, 9), "l1", "list", "impots", "Impôts", "answered", z(2025, 10, 3, 9, 1),
                         False),
               WrapupRow(z(2025, 10, 4, 9), "l1", None, None, None, None, None, True),
               WrapupRow(z(2025, 9, 4, 9), "l1", "list", "impots", "Impôts", "answered", z(2025, 9, 4, 9, 1),
                         False)]
    surveys = [SurveyRow(z(2025, 10, 2, 9), "complete", 5, True), SurveyRow(z(2025, 10, 2, 10), "complete", 2, False),
               SurveyRow(z(2025, 10, 2, 11), "partial", 4, None), SurveyRow(z(2025, 10, 2, 12), "no_answer", None,
                                                                            None)]
    flags = [FlagRow(z(2025, 10, 2, 9), "Carte grise"), FlagRow(z(2025, 10, 9, 9), "Carte grise"),
             FlagRow(z(2025, 9, 30, 21, 59), "Passeport")]  # 23:59 Paris on 30 September
    return BarometerRows(ReportRows(legs, calls, callbacks), {"b": "travail"}, wrapups, surveys, flags)


def test_the_month_figures_by_hand():
    months = compute(date(2025, 10, 1), QUEUES, "l1", rows())
    assert [m.first for m in months][-3:] == [date(2025, 8, 1), date(2025, 9, 1), date(2025, 10, 1)]
    october = indicators(months[-1], "l1")
    # Visits: l1 a (10 s), b (25 s, transferred), c (abandoned 40 s); l2-travail b (30 s, within its 30 s).
    assert {k: october[k] for k in ("offered", "answered", "abandoned", "service_level_pct", "asa_s",
                                    "abandon_rate_pct")} == {"offered": 4, "answered": 3, "abandoned": 1,
                                                             "service_level_pct": 50.0, "asa_s": 21.7,
                                                             "abandon_rate_pct": 25.0}
    assert (october["l1_answered"], october["l1_solved"], october["l1_escalated"], october["l1_solved_pct"],
            october["l1_escalated_pct"]) == (2, 1, 1, 50.0, 50.0)
    assert months[-1].escalations == {"travail": 1}
    assert (october["callbacks_measured"], october["callbacks_kept"], october["callbacks_kept_pct"]) == (2, 1, 50.0)
    assert (october["surveyed"], october["survey_responded"], october["survey_response_rate_pct"],
            october["satisfaction_avg"], october["question_answered_count"], october["question_answered_yes"],
            october["question_answered_pct"]) == (4, 3, 75.0, 3.67, 2, 1, 50.0)
    assert october["wrapups"] == 3 and months[-1].reasons == [{"reason": "Impôts", "count": 2},
                                                              {"reason": "sans motif", "count": 1}]
    assert october["flags_raised"] == 2
    september = indicators(months[-2], "l1")
    assert (september["offered"], september["wrapups"], september["flags_raised"]) == (1, 1, 1)


def test_the_document_compares_with_the_previous_month():
    months = compute(date(2025, 10, 1), QUEUES, "l1", rows())
    doc = barometer_dict(months, QUEUES, "l1", SECTORS)
    assert (doc["month"], doc["label"], doc["previous_month"]) == ("2025-10", "octobre 2025", "2025-09")
    assert doc["current"]["start"] == "2025-10-01T00:00:00+02:00" and doc["current"]["end"] == \
        "2025-11-01T00:00:00+01:00"
    assert doc["change"]["offered"] == 3 and doc["change"]["service_level_pct"] == -50.0
    assert doc["change"]["satisfaction_avg"] is None  # nothing in September
    assert doc["escalations"] == [{"sector": "travail", "label": "Niveau 2 - Droit du travail", "count": 1,
                                   "previous": 0}]
    assert doc["reasons"][0] == {"reason": "Impôts", "count": 2, "share_pct": 66.7, "previous": 1}
    assert doc["flags"] == [{"subject": "Carte grise", "count": 2}]
    travail = next(q for q in doc["queues"] if q["queue"] == "l2-travail")["months"][-1]
    assert (travail["offered"], travail["service_level_pct"]) == (1, 100.0)
    assert len(doc["months"]) == 12 and doc["months"][-1]["offered"] == 4


def test_change():
    assert change(5, 3) == 2 and change(50.0, 66.7) == -16.7 and change(None, 3) is None


def test_csv_long_rows_with_french_headers():
    months = compute(date(2025, 10, 1), QUEUES, "l1", rows())
    table = list(csv.reader(io.StringIO(barometer_csv(months, QUEUES, "l1", SECTORS))))
    assert tuple(table[0]) == HEADER == ("mois", "périmètre", "indicateur", "libellé", "valeur", "unité")
    cells = {(r[0], r[1], r[2]): r[4] for r in table[1:]}
    assert cells[("2025-10", "ensemble", "offered")] == "4"
    assert cells[("2025-10", "ensemble", "service_level_pct")] == "50.0"
    assert cells[("2025-09", "ensemble", "satisfaction_avg")] == ""
    assert cells[("2025-10", "travail", "l1_escalated_to")] == "1"
    assert cells[("2025-10", "Impôts", "reason")] == "2"
    assert cells[("2025-10", "l2-travail", "service_level_pct")] == "100.0"
    assert {r[0] for r in table[1:]} == {f"{d:%Y-%m}" for d in months_up_to(date(2025, 10, 1))}


def test_charts_are_svg_with_a_point_per_known_month():
    months = compute(date(2025, 10, 1), QUEUES, "l1", rows())
    volumes = ET.fromstring(volume_chart(months, QUEUES[0]))
    assert volumes.get("id") == "chart-volumes"
    svg = line_chart(Series("chart-x", "Satisfaction <moyenne>", "/5", [("2025-09", None), ("2025-10", 3.67),
                                                                         ("2025-11", 4.0)], 5.0))
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("aria-label") == "Satisfaction <moyenne>"
    assert [c.findtext(f"{ns}title") for c in root.iter(f"{ns}circle")] == ["2025-10 : 3.67 /5", "2025-11 : 4 /5"]
    assert len(list(root.iter(f"{ns}polyline"))) == 1
    empty = ET.fromstring(line_chart(Series("chart-y", "Vide", "%", [("2025-10", None)], 100.0)))
    assert "Aucune valeur" in "".join(empty.itertext())
