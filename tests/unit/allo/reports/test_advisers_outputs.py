"""Per-adviser report: parameters and their messages, the CSV (French headers) and the SVG chart (pure)."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest

from allo.reports.adviser_params import AdviserParams, Per, adviser_buckets, parse
from allo.reports.adviser_rows import AdviserRows, Origin, StateRow, Taken
from allo.reports.advisers import build
from allo.reports.advisers_chart import advisers_chart
from allo.reports.advisers_csv import COLUMNS, HEAD, advisers_csv
from allo.reports.params import BadReportParams

SVG = "{http://www.w3.org/2000/svg}"


def z(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_parse_defaults_and_query():
    p = parse("2026-10-01", "2026-10-31", None, "", {"a"})
    assert p == AdviserParams(date(2026, 10, 1), date(2026, 10, 31), Per.DAY, None)
    assert parse("2026-01-01", "2026-12-31", "month", "a", {"a"}).query() == (
        "from=2026-01-01&to=2026-12-31&by=month&agent=a")


@pytest.mark.parametrize(("args", "message"), [
    ((None, "2026-10-01", "day", None), "'from' is required (a local date, YYYY-MM-DD)"),
    (("2026-10-02", "2026-10-01", "day", None), "'from' (2026-10-02) is after 'to' (2026-10-01)"),
    (("2026-10-01", "2026-13-01", "day", None), "'to' must be a date YYYY-MM-DD, not '2026-13-01'"),
    (("2026-10-01", "2026-10-02", "hour", None), "'by' must be 'day' or 'month', not 'hour'"),
    (("2025-01-01", "2026-12-31", "month", None), "range too long: 730 days; at most 366 days"),
    (("2026-10-01", "2026-10-02", "day", "zed"), "unknown adviser 'zed'"),
])
def test_bad_parameters_are_explained(args, message):
    with pytest.raises(BadReportParams) as caught:
        parse(*args, {"a"})
    assert str(caught.value) == message


def _reports():
    rows = AdviserRows(
        taken=[Taken("a", Origin.QUEUE, z(2026, 10, 25, 8), z(2026, 10, 25, 8, 5), "travail"),
               Taken("b<&>", Origin.CALLBACK, z(2026, 10, 26, 8), z(2026, 10, 26, 8, 1))],
        states=[StateRow("a", "login", z(2026, 10, 25, 7)), StateRow("a", "pause", z(2026, 10, 25, 9), "dejeuner"),
                StateRow("a", "logout", z(2026, 10, 25, 10))],
        names={"a": "Anne", "b<&>": "B <script>"})
    return build(adviser_buckets(date(2026, 10, 24), date(2026, 10, 26), Per.DAY), rows, z(2030, 1, 1))


def test_csv_french_headers_one_row_per_active_bucket_then_the_total():
    text = advisers_csv(date(2026, 10, 24), date(2026, 10, 26), _reports(), {"dejeuner": "Déjeuner"})
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [*HEAD, *(h for _, h in COLUMNS), "pause « Déjeuner » (s)", "transferts vers travail"]
    assert rows[0][:6] == ["conseiller", "nom", "période", "début", "fin", "appels pris"]
    assert [r[:3] for r in rows[1:]] == [["a", "Anne", "2026-10-25"], ["a", "Anne", "total"],
                                         ["b<&>", "B <script>", "2026-10-26"], ["b<&>", "B <script>", "total"]]
    anne = dict(zip(rows[0], rows[2], strict=True))
    assert (anne["début"], anne["fin"]) == ("2026-10-24T00:00:00+02:00", "2026-10-27T00:00:00+01:00")
    assert (anne["appels pris"], anne["temps connecté (s)"], anne["pause « Déjeuner » (s)"],
            anne["occupation (%)"], anne["transferts vers travail"], anne["satisfaction moyenne (1 à 5)"]) == (
        "1", "10800.0", "3600.0", "4.2", "1", "")  # 300 / (10800 - 3600)


def test_chart_has_two_bars_per_adviser_and_escapes_names():
    svg = advisers_chart(_reports())
    root = ET.fromstring(svg)  # well-formed: the name with < & > is escaped
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert "Anne (a) : 4.2 %" in titles and "Anne (a) : 300.0 s" in titles
    assert "B <script> (b<&>) : 60.0 s" in titles  # no occupancy (never logged in): no bar
    assert "<script>" not in svg
    empty = ET.fromstring(advisers_chart([]))
    assert "Aucune activité" in "".join(empty.itertext())

