"""The barometer against the real service and PostgreSQL: a seeded history of several months of 2025 (barometer_kit),
the figures of `GET /api/reports/barometer` and of its CSV, each compared with what this test computes from the
generated stories; October 2025 (clock back on the 26th) and March 2025 (forward on the 30th)."""

from __future__ import annotations

import asyncio
import csv
import io

import httpx
import pytest

from allo.auth.roles import Role
from tests.integration.allo.barometer_kit import ExpectedHistory, expected, inserted, months_up_to, queue_thresholds

pytestmark = pytest.mark.integration

INDICATORS = ("offered", "answered", "abandoned", "service_level_pct", "asa_s", "abandon_rate_pct", "l1_answered",
              "l1_solved", "l1_escalated", "l1_solved_pct", "l1_escalated_pct", "callbacks_measured",
              "callbacks_kept", "callbacks_kept_pct", "surveyed", "survey_responded", "survey_response_rate_pct",
              "satisfaction_avg", "question_answered_count", "question_answered_yes", "question_answered_pct",
              "wrapups", "flags_raised")


@pytest.fixture(scope="module")
def history(test_settings, seeded):
    yield from inserted(test_settings.sqlalchemy_url)


@pytest.fixture(scope="module")
def thresholds(test_settings, seeded) -> dict[str, tuple[int, int]]:
    return asyncio.run(queue_thresholds(test_settings.sqlalchemy_url))


@pytest.fixture
def client(running_service, history):
    with httpx.Client(base_url=running_service.base_url, timeout=60,
                      headers=running_service.headers(Role.SUPERVISOR)) as c:
        yield c


def test_october_2025_and_the_eleven_months_before_match_the_generated_history(client, history, thresholds):
    want: ExpectedHistory = expected(history, "2025-10", thresholds)
    reply = client.get("/api/reports/barometer", params={"month": "2025-10"})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert (body["month"], body["label"], body["previous_month"], body["timezone"]) == (
        "2025-10", "octobre 2025", "2025-09", "Europe/Paris")
    assert [m["month"] for m in body["months"]] == months_up_to("2025-10")
    for got in body["months"]:
        assert {k: got[k] for k in INDICATORS} == want.months[got["month"]].figures(), got["month"]
    october, september = want.months["2025-10"].figures(), want.months["2025-09"].figures()
    assert october["offered"] > 80 and october["flags_raised"] > 0 and october["satisfaction_avg"] is not None
    assert body["current"]["start"] == "2025-10-01T00:00:00+02:00"
    assert body["current"]["end"] == "2025-11-01T00:00:00+01:00"
    assert body["change"]["offered"] == october["offered"] - september["offered"]
    assert body["change"]["service_level_pct"] == round(october["service_level_pct"] - september["service_level_pct"],
                                                        2)
    escalations = {e["sector"]: (e["count"], e["previous"]) for e in body["escalations"]}
    sectors = set(want.escalations["2025-10"]) | set(want.escalations["2025-09"])
    assert escalations == {s: (want.escalations["2025-10"].get(s, 0), want.escalations["2025-09"].get(s, 0))
                           for s in sectors}
    assert sum(c for c, _p in escalations.values()) == october["l1_escalated"]
    top = sorted(want.reasons["2025-10"].items(), key=lambda item: (-item[1], item[0]))[:10]
    assert [(r["reason"], r["count"], r["previous"]) for r in body["reasons"]] == [
        (label, count, want.reasons["2025-09"].get(label, 0)) for label, count in top]
    assert body["reasons"][0]["share_pct"] == round(100 * top[0][1] / october["wrapups"], 1)
    flags = sorted(want.flags["2025-10"].items(), key=lambda item: (-item[1], item[0]))[:5]
    assert [(f["subject"], f["count"]) for f in body["flags"]] == flags


def test_march_2025_spring_forward_month(client, history, thresholds):
    want = expected(history, "2025-03", thresholds)
    reply = client.get("/api/reports/barometer", params={"month": "2025-03"})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert (body["current"]["start"], body["current"]["end"]) == ("2025-03-01T00:00:00+01:00",
                                                                  "2025-04-01T00:00:00+02:00")
    assert {k: body["current"][k] for k in INDICATORS} == want.months["2025-03"].figures()
    assert body["previous"]["offered"] == want.months["2025-02"].figures()["offered"]  # the edge calls only


def test_the_csv_has_french_headers_and_the_same_figures(client, history, thresholds):
    want = expected(history, "2025-10", thresholds)
    reply = client.get("/api/reports/barometer", params={"month": "2025-10", "format": "csv"})
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/csv")
    assert 'filename="allo-barometre-2025-10.csv"' in reply.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(reply.text)))
    assert table[0] == ["mois", "périmètre", "indicateur", "libellé", "valeur", "unité"]
    cells = {(r[0], r[1], r[2]): r[4] for r in table[1:]}
    for month in months_up_to("2025-10"):
        figures = want.months[month].figures()
        for name in INDICATORS:
            assert cells[(month, "ensemble", name)] == ("" if figures[name] is None else str(figures[name])), \
                (month, name)
    for sector, count in want.escalations["2025-10"].items():
        assert cells[("2025-10", sector, "l1_escalated_to")] == str(count)


def test_bad_months_are_422_with_a_message(client, history):
    for month, message in (("2025-13", "'month' must be a month YYYY-MM"), ("2999-01", "is in the future")):
        reply = client.get("/api/reports/barometer", params={"month": month})
        assert reply.status_code == 422, reply.text
        assert reply.json()["detail"]["error"] == "bad_parameters"
        assert message in reply.json()["detail"]["message"]


def test_the_barometer_agrees_with_the_daily_reports_of_the_same_days(client, history):
    barometer = client.get("/api/reports/barometer", params={"month": "2025-10"}).json()
    daily = client.get("/api/reports", params={"from": "2025-10-01", "to": "2025-10-31", "by": "day"})
    assert daily.status_code == 200, daily.text
    totals = {q["queue"]: q["total"] for q in daily.json()["queues"] if q["queue"] != "relais"}
    same = ("offered", "answered", "abandoned", "service_level_pct", "asa_s", "abandon_rate_pct", "solved",
            "escalated", "callbacks_measured", "callbacks_kept", "callbacks_kept_pct")
    for queue in barometer["queues"]:
        assert {k: queue["months"][-1][k] for k in same} == {k: totals[queue["queue"]][k] for k in same}, \
            queue["queue"]
    assert barometer["current"]["offered"] == sum(t["offered"] for t in totals.values())
    assert barometer["current"]["l1_escalated"] == totals["l1"]["escalated"]
