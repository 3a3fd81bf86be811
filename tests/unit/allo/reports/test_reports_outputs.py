"""CSV, SVG chart and parameter checks of reports (pure)."""

import csv
import io
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest

from allo.db.models import LegOutcome
from allo.reports.aggregate import FIGURES, build
from allo.reports.buckets import Granularity, buckets_for
from allo.reports.chart import queue_chart
from allo.reports.csv_export import HEADER, report_csv
from allo.reports.params import BadReportParams, parse
from allo.reports.rows import CallRow, LegRow, QueueInfo, ReportRows

SVG = "{http://www.w3.org/2000/svg}"
DAY = date(2026, 10, 25)


def autumn_report(queue: QueueInfo):
    joined, answered = datetime(2026, 10, 25, 1, 10, tzinfo=UTC), datetime(2026, 10, 25, 1, 10, 12, tzinfo=UTC)
    legs = [LegRow(1, "A", queue.name, joined, answered, LegOutcome.ANSWERED, 12),
            LegRow(2, "B", queue.name, datetime(2026, 10, 25, 0, 10, tzinfo=UTC), None, LegOutcome.ABANDONED, 30)]
    calls = {"A": CallRow("A", datetime(2026, 10, 25, 1, 15, 12, tzinfo=UTC))}
    [report] = build([queue], buckets_for(DAY, DAY, Granularity.HOUR), Granularity.HOUR,
                     ReportRows(legs, calls, []))
    return report


def test_csv_has_a_header_one_row_per_bucket_and_a_total_in_utf8():
    queue = QueueInfo("l2-interieur", 'Intérieur, "sécurité"', 2)
    report = autumn_report(queue)
    text = report_csv(DAY, DAY, Granularity.HOUR, [report])
    assert text.encode("utf-8").decode("utf-8") == text and "\r\n" in text
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == HEADER and HEADER[6:] == FIGURES
    assert len(rows) == 1 + 25 + 1
    second_two = rows[4]
    assert second_two[:6] == ["l2-interieur", 'Intérieur, "sécurité"', "2026-10-25", "02:00 (+01:00)",
                              "2026-10-25T02:00:00+01:00", "2026-10-25T03:00:00+01:00"]
    cell = dict(zip(HEADER, second_two, strict=True))
    assert (cell["offered"], cell["answered"], cell["asa_s"], cell["aht_s"]) == ("1", "1", "12.0", "300.0")
    first_two = dict(zip(HEADER, rows[3], strict=True))
    assert (first_two["abandoned"], first_two["service_level_pct"], first_two["asa_s"]) == ("1", "0.0", "")
    total = dict(zip(HEADER, rows[-1], strict=True))
    assert (total["bucket"], total["start"], total["end"]) == ("total", "2026-10-25T00:00:00+02:00",
                                                               "2026-10-26T00:00:00+01:00")
    assert (total["offered"], total["service_level_pct"]) == ("2", "50.0")


def test_svg_is_well_formed_escapes_text_and_draws_each_bucket():
    queue = QueueInfo("l1", "<script>alert('x')</script> & co", 1, sl_target_pct=80)
    svg = queue_chart(autumn_report(queue))
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "<script>alert('x')</script> & co (l1)" in texts
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(bars) == 2 * 25
    titles = [r.find(f"{SVG}title").text for r in bars]
    assert "02:00 (+01:00) : 1 répondus" in titles and "02:00 (+02:00) : 1 abandonnés" in titles
    assert float(bars[6].get("height")) > 0 and float(bars[4].get("height")) == 0  # answered at 02:00 (+01:00)
    # Service level defined in two buckets that are next to each other: one line of two points.
    [line] = list(root.iter(f"{SVG}polyline"))
    assert len(line.get("points").split()) == 2


def test_svg_of_an_empty_range_is_still_valid():
    [report] = build([QueueInfo("l1")], buckets_for(DAY, DAY, Granularity.DAY), Granularity.DAY,
                     ReportRows([], {}, []))
    root = ET.fromstring(queue_chart(report))
    assert list(root.iter(f"{SVG}polyline")) == []


QUEUES = {"l1", "l2-travail"}


@pytest.mark.parametrize(("args", "message"), [
    (("2026-10-26", "2026-10-25", "day", None), "'from' (2026-10-26) is after 'to' (2026-10-25)"),
    (("2026-10-01", "2026-11-01", "hour", None), "range too long: 32 days; at most 31 days by hour"),
    (("2026-10-25", "2026-10-25", "week", None), "'by' must be 'day' or 'hour'"),
    (("2026-10-25", "2026-10-25", "day", "l9"), "unknown queue 'l9'; known: l1, l2-travail"),
    (("25/10/2026", "2026-10-25", "day", None), "'from' must be a date YYYY-MM-DD"),
    ((None, "2026-10-25", "day", None), "'from' is required"),
])
def test_bad_parameters_are_refused_with_a_readable_message(args, message):
    with pytest.raises(BadReportParams) as refused:
        parse(*args, QUEUES)
    assert str(refused.value).startswith(message)


def test_good_parameters():
    params = parse("2026-03-29", "2026-03-29", "hour", "l1", QUEUES)
    assert (params.first, params.last, params.by, params.queue) == (
        date(2026, 3, 29), date(2026, 3, 29), Granularity.HOUR, "l1")
    assert params.query() == "from=2026-03-29&to=2026-03-29&by=hour&queue=l1"
    assert parse("2026-03-29", "2026-03-29", None, "", QUEUES).by is Granularity.DAY
    assert parse("2026-01-01", "2027-01-01", "day", None, QUEUES).last == date(2027, 1, 1)  # 366 days
    assert parse("2026-10-01", "2026-10-31", "hour", None, QUEUES).by is Granularity.HOUR  # 31 days
    with pytest.raises(BadReportParams, match="367 days"):
        parse("2026-01-01", "2027-01-02", "day", None, QUEUES)


def test_hours_of_several_days_are_labelled_with_their_day():
    first, last = date(2026, 10, 24), date(2026, 10, 25)
    [report] = build([QueueInfo("l1")], buckets_for(first, last, Granularity.HOUR), Granularity.HOUR,
                     ReportRows([], {}, []))
    texts = [t.text for t in ET.fromstring(queue_chart(report)).iter(f"{SVG}text")]
    assert "24/10 00:00" in texts
    [days] = build([QueueInfo("l1")], buckets_for(first, last, Granularity.DAY), Granularity.DAY,
                   ReportRows([], {}, []))
    assert "2026-10-24" in [t.text for t in ET.fromstring(queue_chart(days)).iter(f"{SVG}text")]
