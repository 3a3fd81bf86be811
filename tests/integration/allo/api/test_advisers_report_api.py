"""The per-adviser report against the real service and PostgreSQL: the history of advisers_kit (the autumn clock
change of 2026), the JSON figures per day and per month computed by hand, the CSV, the refusals."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from allo.auth.roles import Role
from tests.integration.allo.advisers_kit import inserted

pytestmark = pytest.mark.integration

DAYS = {"from": "2026-10-24", "to": "2026-10-26"}


@pytest.fixture(scope="module")
def history(test_settings, seeded):
    yield from inserted(test_settings.sqlalchemy_url)


@pytest.fixture
def client(running_service, history):
    with httpx.Client(base_url=running_service.base_url, timeout=30,
                      headers=running_service.headers(Role.SUPERVISOR)) as c:
        yield c


def pick(figures: dict, *names: str) -> tuple:
    return tuple(figures[name] for name in names)


def test_per_day_around_the_autumn_change(client, history):
    reply = client.get("/api/reports/advisers", params={**DAYS, "by": "day"})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert (body["from"], body["to"], body["by"], body["timezone"]) == ("2026-10-24", "2026-10-26", "day",
                                                                        "Europe/Paris")
    advisers = {a["agent"]: a for a in body["advisers"]}
    x, y = advisers[history.x], advisers[history.y]
    assert (x["name"], y["name"]) == ("Xavier Essai", "Yvonne Essai")
    days = {b["label"]: b for b in x["buckets"]}
    assert list(days) == ["2026-10-24", "2026-10-25", "2026-10-26"]
    assert (days["2026-10-25"]["start"], days["2026-10-25"]["end"]) == ("2026-10-25T00:00:00+02:00",
                                                                       "2026-10-26T00:00:00+01:00")
    assert [days[d]["logged_in_s"] for d in days] == [2 * 3600, 25 * 3600, 3600]
    assert days["2026-10-24"]["pause_by_reason"] == {"dejeuner": 1800} == days["2026-10-25"]["pause_by_reason"]
    assert pick(days["2026-10-25"], "calls_taken", "calls_queue", "calls_repeat", "calls_callback", "talk_s",
                "avg_talk_s", "wrapups", "wrapup_s", "avg_wrapup_s", "aht_s", "transfers", "transfers_by_sector",
                "occupancy_pct") == (4, 2, 1, 1, 1020, 255.0, 4, 180, 45.0, 300.0, 1, {"travail": 1}, 1.4)
    assert pick(days["2026-10-25"], "wrapups_saved", "wrapups_expired") == (3, 1)
    # (1020 + 180) / (25 h - 30 min) = 1.36 %; over the range: 1200 / (28 h - 1 h) = 1.23 %
    assert pick(x["total"], "logged_in_s", "pause_s", "occupancy_pct", "satisfaction_count", "satisfaction_avg",
                "question_answered_count", "question_answered_pct") == (28 * 3600, 3600, 1.2, 2, 4.0, 2, 50.0)
    # Y took the transferred call at level 2: 600 s in a logged-in hour.
    assert pick(y["total"], "wrapups_saved", "wrapups_expired") == (1, 0)
    assert pick(y["total"], "calls_taken", "avg_talk_s", "logged_in_s", "occupancy_pct", "transfers",
                "satisfaction_avg", "question_answered_pct") == (1, 600.0, 3600, 16.7, 0, 4.0, 100.0)
    assert {"code": "dejeuner", "label": "Déjeuner"} in body["pause_reasons"]  # the label ops maintain
    assert "travail" in body["sectors"]


def test_one_adviser_per_month(client, history):
    reply = client.get("/api/reports/advisers", params={"from": "2026-10-20", "to": "2026-11-05", "by": "month",
                                                        "agent": history.x})
    assert reply.status_code == 200, reply.text
    [x] = reply.json()["advisers"]
    assert [(b["label"], b["start"], b["end"]) for b in x["buckets"]] == [
        ("2026-10", "2026-10-20T00:00:00+02:00", "2026-11-01T00:00:00+01:00")]  # November: nothing, not listed
    assert pick(x["buckets"][0], "calls_taken", "logged_in_s", "pause_s") == (4, 28 * 3600, 3600)


def test_csv_with_french_headers(client, history):
    reply = client.get("/api/reports/advisers.csv", params={**DAYS, "agent": history.y})
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/csv")
    assert f'filename="allo-conseillers-2026-10-24-2026-10-26-day-{history.y}.csv"' in reply.headers[
        "content-disposition"]
    rows = list(csv.reader(io.StringIO(reply.text)))
    assert rows[0][:6] == ["conseiller", "nom", "période", "début", "fin", "appels pris"]
    assert "transferts vers travail" not in rows[0]  # Y transferred nothing
    table = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [(r["conseiller"], r["période"]) for r in table] == [(history.y, "2026-10-25"), (history.y, "total")]
    assert (table[1]["appels pris"], table[1]["occupation (%)"], table[1]["satisfaction moyenne (1 à 5)"]) == (
        "1", "16.7", "4.0")


@pytest.mark.parametrize(("params", "message"), [
    ({"from": "2026-10-26", "to": "2026-10-25"}, "'from' (2026-10-26) is after 'to' (2026-10-25)"),
    ({**DAYS, "by": "hour"}, "'by' must be 'day' or 'month', not 'hour'"),
    ({**DAYS, "agent": "nobody-here"}, "unknown adviser 'nobody-here'"),
    ({"from": "2025-01-01", "to": "2026-10-25"}, "range too long: 663 days; at most 366 days"),
])
def test_bad_parameters_are_a_422_with_the_message(client, params, message):
    for path in ("/api/reports/advisers", "/api/reports/advisers.csv"):
        reply = client.get(path, params=params)
        assert reply.status_code == 422
        assert reply.json()["detail"] == {"error": "bad_parameters", "message": message}


def test_an_adviser_gets_403_and_the_openapi_lists_both(running_service, history):
    with httpx.Client(base_url=running_service.base_url, timeout=30) as anonymous:
        for path in ("/api/reports/advisers", "/api/reports/advisers.csv"):
            assert anonymous.get(path, params=DAYS, headers=running_service.headers(Role.AGENT)).status_code == 403
            assert anonymous.get(path, params=DAYS).status_code == 401
        paths = anonymous.get("/openapi.json").json()["paths"]
        assert "/api/reports/advisers" in paths and "/api/reports/advisers.csv" in paths
