"""The week plan against the real service and PostgreSQL (planning_kit's summary rows): the figures per half-hour,
the under-staffed half-hour, the opening hours, the CSV and its French headers, refusals and roles."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from acd.planning.erlang import agents_needed
from acd.planning.types import Targets
from allo.auth.roles import Role
from allo.planning.plan_export import HEADER
from tests.integration.allo.planning_kit import AHT, BUSY, QUIET, WEEK, inserted

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def history(test_settings, seeded):
    yield from inserted(test_settings.sqlalchemy_url)


@pytest.fixture
def client(running_service, history):
    with httpx.Client(base_url=running_service.base_url, timeout=30,
                      headers=running_service.headers(Role.SUPERVISOR)) as c:
        yield c


def test_the_week_plan_of_l1_from_eight_mondays(client):
    reply = client.get("/api/planning/week", params={"week": WEEK, "queue": "l1"})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert (body["week"], body["monday"], body["sunday"], body["timezone"]) == \
        ("2026-W40", "2026-09-28", "2026-10-04", "Europe/Paris")
    [l1] = body["queues"]
    assert l1["targets"] == {"service_level_s": 20.0, "sl_target_pct": 80.0, "asa_target_s": 30.0}
    assert l1["weeks"] == 8
    assert l1["days_used"][0] == "2026-09-27" and "2026-08-03" in l1["days_used"]
    cells = {(c["day"], c["slot"]): c for c in l1["cells"]}
    # Opening hours (general calendar): Monday-Friday 08:00-20:00 = slots 16..39, Saturday 08:30-18:30, no Sunday.
    assert sorted(s for d, s in cells if d == "2026-09-28") == list(range(16, 40))
    assert sorted(s for d, s in cells if d == "2026-10-03") == list(range(17, 37))
    assert not any(d == "2026-10-04" for d, _ in cells)
    assert len(cells) == 5 * 24 + 20

    busy, quiet = cells[("2026-09-28", BUSY)], cells[("2026-09-28", QUIET)]
    # 60 calls in the half-hour = 120 an hour, 240 s each: 8 erlangs at 80 % in 20 s, ASA ≤ 30 s.
    want = agents_needed(120, AHT, Targets(20, 80, 30), 0.3)
    assert 9 <= want.agents <= 13
    assert (busy["time"], busy["calls"], busy["aht_s"], busy["needed"], busy["scheduled"], busy["present"],
            busy["short"], busy["weeks"]) == ("10:00\u201310:30", 60.0, 240.0, want.agents, want.scheduled, 3.0,
                                              True, 8)
    assert busy["gap"] == 3.0 - want.agents
    assert (quiet["calls"], quiet["present"], quiet["short"]) == (2.0, 20.0, False)
    assert quiet["needed"] == agents_needed(4, AHT, Targets(20, 80, 30)).agents
    # A Tuesday at 10:00: no call in the history, nobody needed, nobody present.
    assert (cells[("2026-09-29", BUSY)]["needed"], cells[("2026-09-29", BUSY)]["present"]) == (0, 0.0)
    assert l1["short_slots"] == 1


def test_the_csv_has_french_headers_and_marks_the_short_half_hour(client):
    reply = client.get("/api/planning/week.csv", params={"week": "2026-09-30", "queue": "l1"})
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/csv")
    assert 'filename="allo-planning-2026-W40-l1.csv"' in reply.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(reply.text)))
    assert tuple(rows[0]) == HEADER and rows[0][5] == "appels prévus"
    short = [r for r in rows[1:] if r[11] == "oui"]
    assert [(r[2], r[3], r[4], r[5], r[9]) for r in short] == [("2026-09-28", "lundi", "10:00\u201310:30", "60",
                                                                "3")]
    assert len(rows) == 1 + 140


def test_every_queue_without_a_queue_and_refusals(client, running_service):
    everything = client.get("/api/planning/week", params={"week": WEEK}).json()
    assert "l1" in [q["queue"] for q in everything["queues"]] and len(everything["queues"]) >= 2
    bad = client.get("/api/planning/week", params={"week": "2026-W60"})
    assert bad.status_code == 422 and "Semaine illisible" in bad.json()["detail"]["message"]
    unknown = client.get("/api/planning/week.csv", params={"queue": "nope"})
    assert unknown.status_code == 422 and "File inconnue" in unknown.json()["detail"]["message"]
    default = client.get("/api/planning/week", params={"queue": "l1"}).json()
    assert default["week"] == "2026-W49"  # next week, from the service's clock (Monday 2026-11-23)
    ops = httpx.get(f"{running_service.base_url}/api/planning/week", params={"week": WEEK},
                    headers=running_service.headers(Role.OPS), timeout=30)
    assert ops.status_code == 200
    adviser = httpx.get(f"{running_service.base_url}/api/planning/week.csv",
                        headers=running_service.headers(Role.AGENT), timeout=30)
    assert adviser.status_code == 403
