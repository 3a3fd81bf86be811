"""The wrap-up API, the reasons ops maintain and the wrap-up report, against the running service and PostgreSQL.

Calls answered by agent1001 / agent1002 and a theme of the knowledge tree are inserted here (ids `wrapit-…`,
`TWRAP…`); the adviser account `wrap1001` is bound to agent1001's phone."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import create_async_engine

from allo.auth.roles import Role
from allo.db.desk_models import CallWrapup
from allo.db.knowledge_models import KbSheet
from allo.db.models import Call
from tests.integration.allo.desk.desk_kit import adviser_headers

pytestmark = pytest.mark.integration

MINE, THEIRS, ENDED = "wrapit-1.1", "wrapit-2.1", "wrapit-3.1"
THEME = "TWRAP1"
METZ_CAF = "00000000-3939-4000-8000-000000000004"  # the demo directory's (test_directory_api.py)


async def _run(url: str, *statements):
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            result = None
            for statement in statements:
                result = await conn.execute(statement)
            return result.all() if result is not None and result.returns_rows else []
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def rows(test_settings, seeded) -> Iterator[str]:
    now = datetime.now(UTC)
    calls = [{"call_id": call_id, "dialled": "3939", "started_at": now, "outcome": "answered", "agent": agent,
              "answered_queue": "l1"} for call_id, agent in ((MINE, "agent1001"), (THEIRS, "agent1002"),
                                                           (ENDED, "agent1001"))]
    theme = {"id": THEME, "kind": "theme", "pub_type": "Theme", "title": "Thème d'essai des fins d'appel",
             "document": {}, "source_hash": "t", "theme_id": THEME}
    url = test_settings.sqlalchemy_url
    asyncio.run(_run(url, insert(Call).values(calls), insert(KbSheet).values(theme)))
    yield url
    asyncio.run(_run(url, delete(CallWrapup).where(CallWrapup.call_id.like("wrapit-%")),
                     delete(Call).where(Call.call_id.like("wrapit-%")), delete(KbSheet).where(KbSheet.id == THEME)))


@pytest.fixture
def adviser(running_service, rows) -> Iterator[httpx.Client]:
    headers = adviser_headers(running_service, "wrap1001", "agent1001")
    with httpx.Client(base_url=running_service.base_url, headers=headers, timeout=10) as client:
        yield client


@pytest.fixture
def ops(running_service) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=running_service.base_url, headers=running_service.headers(Role.OPS),
                      timeout=10) as client:
        yield client


def wrapup_rows(url: str, call_id: str) -> list:
    return asyncio.run(_run(url, select(CallWrapup.agent, CallWrapup.reason_code, CallWrapup.outcome,
                                        CallWrapup.sector, CallWrapup.body_id, CallWrapup.done_at)
                            .where(CallWrapup.call_id == call_id)))


def test_the_desk_lists_enabled_reasons_in_order_and_the_themes(adviser):
    lists = adviser.get("/api/desk/reasons").json()
    assert [r["code"] for r in lists["pause"]][:2] == ["pause", "dejeuner"]
    assert {"code": "telephone", "label": "Pause depuis le téléphone"} in lists["pause"]
    assert lists["wrapup"][0] == {"code": "suivi-dossier", "label": "Suivi d'un dossier en cours"}
    assert {"id": THEME, "title": "Thème d'essai des fins d'appel"} in lists["themes"]


def test_the_reason_chosen_during_the_call_then_the_wrapup_saved_and_saved_again(adviser, rows):
    chosen = adviser.put(f"/api/desk/calls/{MINE}/reason", json={"reason_kind": "theme", "reason_code": THEME})
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["reason_label"] == "Thème d'essai des fins d'appel"
    assert [(r.agent, r.reason_code, r.done_at) for r in wrapup_rows(rows, MINE)] == [("agent1001", THEME, None)]
    saved = adviser.post(f"/api/desk/calls/{MINE}/wrapup",
                         json={"reason_kind": "list", "reason_code": "orientation", "outcome": "oriented",
                               "body_id": METZ_CAF})
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["reason_label"] == "Demande d'orientation" and body["body_id"] == METZ_CAF
    assert body["pause_lifted"] is False  # agent1001 is in no queue here: no pause to lift
    again = adviser.post(f"/api/desk/calls/{MINE}/wrapup", json={"reason_kind": "list", "reason_code": "autre",
                                                                 "outcome": "transferred", "sector": "travail"})
    assert again.status_code == 200, again.text
    [row] = wrapup_rows(rows, MINE)  # one row per call and adviser, updated
    assert (row.reason_code, row.outcome, row.sector, row.body_id) == ("autre", "transferred", "travail", None)
    assert row.done_at is not None


@pytest.mark.parametrize(("body", "words"), [
    ({"reason_kind": "liste", "reason_code": "autre", "outcome": "answered"}, "type de motif"),
    ({"reason_kind": "list", "reason_code": "inconnu", "outcome": "answered"}, "motif de fin d'appel"),
    ({"reason_kind": "theme", "reason_code": "N00000", "outcome": "answered"}, "thème"),
    ({"reason_kind": "list", "reason_code": "autre", "outcome": "resolu"}, "issue de l'appel"),
    ({"reason_kind": "list", "reason_code": "autre", "outcome": "transferred"}, "secteur connu"),
    ({"reason_kind": "list", "reason_code": "autre", "outcome": "transferred", "sector": "meteo"}, "secteur connu"),
    ({"reason_kind": "list", "reason_code": "autre", "outcome": "oriented", "body_id": "nulle-part"}, "organisme"),
    ({"reason_kind": "list", "reason_code": "pause", "outcome": "answered"}, "motif de fin d'appel"),  # a pause one
])
def test_bad_wrapups_are_refused_in_french_and_save_nothing(adviser, rows, body, words):
    refused = adviser.post(f"/api/desk/calls/{ENDED}/wrapup", json=body)
    assert refused.status_code == 422, refused.text
    assert words in refused.json()["detail"]
    assert wrapup_rows(rows, ENDED) == []


def test_an_adviser_cannot_touch_another_advisers_call(adviser, rows):
    for reply in (adviser.put(f"/api/desk/calls/{THEIRS}/reason", json={"reason_kind": "list",
                                                                      "reason_code": "autre"}),
                  adviser.post(f"/api/desk/calls/{THEIRS}/wrapup", json={"reason_kind": "list", "reason_code": "autre",
                                                                       "outcome": "answered"}),
                  adviser.post("/api/desk/calls/unknown.1/wrapup", json={"reason_kind": "list",
                                                                       "reason_code": "autre",
                                                                       "outcome": "answered"})):
        assert reply.status_code == 403 and "pas été pris sur votre poste" in reply.json()["detail"]
    assert wrapup_rows(rows, THEIRS) == []
    # The demo adviser account has no phone: no call is theirs.
    with httpx.Client(base_url=str(adviser.base_url), headers={}, timeout=10) as anonymous:
        assert anonymous.put(f"/api/desk/calls/{MINE}/reason", json={}).status_code == 401


def test_ops_add_relabel_move_and_disable_reasons_audited(ops, adviser, running_service):
    added = ops.post("/api/ops/reasons",
                     json={"kind": "wrapup", "code": "logement-essai", "label": " Logement  essai "})
    assert added.status_code == 201, added.text
    reason = added.json()
    assert reason["label"] == "Logement essai" and reason["enabled"]
    assert ops.post("/api/ops/reasons", json={"kind": "wrapup", "code": "logement-essai", "label": "x"}).json()[
        "detail"].startswith("Le code « logement-essai » existe déjà")
    assert ops.post("/api/ops/reasons", json={"kind": "wrapup", "code": "Logement", "label": "x"}).status_code == 422
    assert ops.post("/api/ops/reasons", json={"kind": "autre", "code": "x", "label": "x"}).status_code == 422
    assert ops.post("/api/ops/reasons", json={"kind": "pause", "code": "x", "label": ""}).status_code == 422
    moved = ops.patch(f"/api/ops/reasons/{reason['id']}", json={"position": 1, "label": "Logement (essai)"})
    assert moved.status_code == 200 and moved.json()["label"] == "Logement (essai)"
    assert adviser.get("/api/desk/reasons").json()["wrapup"][0] == {"code": "logement-essai",
                                                                   "label": "Logement (essai)"}
    assert ops.patch(f"/api/ops/reasons/{reason['id']}", json={"enabled": False}).json()["enabled"] is False
    assert "logement-essai" not in [r["code"] for r in adviser.get("/api/desk/reasons").json()["wrapup"]]
    refused = adviser.post(f"/api/desk/calls/{ENDED}/wrapup", json={"reason_kind": "list",
                                                                   "reason_code": "logement-essai",
                                                                   "outcome": "answered"})
    assert refused.status_code == 422  # a disabled reason is no longer offered
    every = ops.get("/api/ops/reasons").json()
    phone = next(r for r in every if r["kind"] == "pause" and r["code"] == "telephone")
    kept = ops.patch(f"/api/ops/reasons/{phone['id']}", json={"enabled": False})
    assert kept.status_code == 422 and "*13" in kept.json()["detail"]
    assert ops.patch("/api/ops/reasons/999999", json={"enabled": False}).status_code == 404
    audit = httpx.get(f"{running_service.base_url}/api/audit", headers=running_service.headers(Role.OPS),
                      params={"action": "desk.reason.*"}, timeout=10).json()
    actions = [(e["action"], e["target"]) for e in audit["entries"]]
    assert ("desk.reason.add", "wrapup/logement-essai") in actions
    assert actions.count(("desk.reason.change", "wrapup/logement-essai")) == 2
    # Put back in place: the other tests read the seeded order.
    ops.patch(f"/api/ops/reasons/{reason['id']}", json={"position": 1000})


def test_the_report_counts_the_saved_wrapups_per_reason_and_outcome(adviser, running_service, rows):
    saved = adviser.post(f"/api/desk/calls/{ENDED}/wrapup", json={"reason_kind": "list", "reason_code": "reclamation",
                                                                 "outcome": "out_of_scope"})
    assert saved.status_code == 200, saved.text
    # The report's days are Paris days: between 22:00/23:00 UTC and midnight UTC, the UTC date is yesterday's there.
    today = datetime.now(ZoneInfo("Europe/Paris")).date().isoformat()
    supervisor = running_service.headers(Role.SUPERVISOR)
    report = httpx.get(f"{running_service.base_url}/api/reports/wrapups", headers=supervisor, timeout=10,
                       params={"from": today, "to": today}).json()
    reasons = {r["reason"]: r["count"] for r in report["by_reason"]}
    assert reasons.get("Réclamation", 0) >= 1
    assert any(r["outcome"] == "out_of_scope" and r["reason_code"] == "reclamation" for r in report["rows"])
    exported = httpx.get(f"{running_service.base_url}/api/reports/wrapups", headers=supervisor, timeout=10,
                         params={"from": today, "to": today, "format": "csv"})
    assert exported.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(exported.text)))
    assert any(r["reason"] == "Réclamation" and r["outcome"] == "out_of_scope" for r in table)
    bad = httpx.get(f"{running_service.base_url}/api/reports/wrapups", headers=supervisor, timeout=10,
                    params={"from": today, "to": "2020-01-01"})
    assert bad.status_code == 422
    page = httpx.get(f"{running_service.base_url}/reports", headers=supervisor, timeout=10,
                     params={"from": today, "to": today})
    assert page.status_code == 200 and 'id="report-wrapups"' in page.text and "Réclamation" in page.text


def test_the_ops_page_adds_and_refuses_with_french_messages(running_service):
    headers = running_service.headers(Role.OPS)
    base = running_service.base_url
    page = httpx.get(f"{base}/ops/reasons", headers=headers, timeout=10)
    assert page.status_code == 200 and 'id="reasons-wrapup"' in page.text and 'href="/ops/reasons"' in page.text
    refused = httpx.post(f"{base}/ops/reasons", headers=headers, timeout=10,
                         data={"kind": "pause", "code": "Mauvais Code", "label": "Essai"})
    assert refused.status_code == 422 and "minuscules, chiffres et tirets" in refused.text
    assert 'value="Essai"' in refused.text  # what was typed is kept
    added = httpx.post(f"{base}/ops/reasons", headers=headers, timeout=10,
                       data={"kind": "pause", "code": "page-essai", "label": "Essai de la page"})
    assert added.status_code == 303 and added.headers["location"] == "/ops/reasons?done=add"
    shown = httpx.get(f"{base}/ops/reasons?done=add", headers=headers, timeout=10).text
    assert "Motif ajouté." in shown and 'id="reason-pause-page-essai"' in shown
