"""The desk's actions against the running service and PostgreSQL: the transfer buttons, the desk transfer's
refusals, « orienter », and the supervisor-help requests on the dashboard (audited, counted in /metrics).

Calls and bodies are inserted here (ids `desk-act-…`); real calls and a real transfer are in
tests/e2e/test_desk_transfer.py."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import create_async_engine

from allo.auth.roles import Role
from allo.db.admin_models import AuditEntry
from allo.db.desk_models import CallOrientation, HelpRequest
from allo.db.knowledge_models import DirBody
from allo.db.models import Call, CallOutcome
from tests.integration.allo.api.desk_kit import adviser_headers

pytestmark = pytest.mark.integration

SECTORS = ["interieur", "travail", "consommation", "justice", "fiscalite", "logement"]
CALL = "desk-act-1700000000.1"
OTHER_CALL = "desk-act-1700000000.2"
BODY = {"id": "desk-act-caf", "name": "Caf de Desk-sur-Mer", "source_hash": "t"}


async def _run(url: str, *statements) -> list:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            result = None
            for statement in statements:
                result = await conn.execute(statement)
            return list(result.all()) if result is not None and result.returns_rows else []
    finally:
        await engine.dispose()


def _call(call_id: str, agent: str) -> dict[str, object]:
    now = datetime.now(UTC)
    return {"call_id": call_id, "dialled": "3939", "started_at": now, "outcome": CallOutcome.COMPLETED,
            "answered_at": now, "agent": agent, "route_queue": "l1"}


@pytest.fixture(scope="module")
def calls(test_settings, seeded) -> Iterator[None]:
    asyncio.run(_run(test_settings.sqlalchemy_url,
                     insert(Call).values([_call(CALL, "agent1001"), _call(OTHER_CALL, "agent1002")]),
                     insert(DirBody).values(BODY)))
    yield
    asyncio.run(_run(test_settings.sqlalchemy_url,
                     delete(CallOrientation).where(CallOrientation.call_id.like("desk-act-%")),
                     delete(HelpRequest).where(HelpRequest.call_id.like("desk-act-%")),
                     delete(Call).where(Call.call_id.like("desk-act-%")),
                     delete(DirBody).where(DirBody.id == BODY["id"])))


@pytest.fixture
def desk(running_service, calls) -> Iterator[httpx.Client]:
    """agent1001's desk (an adviser account with that extension)."""
    with httpx.Client(base_url=running_service.base_url, headers=adviser_headers(running_service, "agent1001"),
                      timeout=10) as client:
        yield client


def test_the_six_sectors_with_labels_and_the_refusal_a_transfer_would_get(desk, running_service):
    reply = desk.get("/api/desk/sectors")
    assert reply.status_code == 200, reply.text
    sectors = reply.json()
    assert [s["sector"] for s in sectors] == SECTORS
    travail = next(s for s in sectors if s["sector"] == "travail")
    assert travail["label"] == "Droit du travail" and travail["queue"] == "l2-travail"
    # Monday 10:00 (the test stack's routing time): the specialist hours are open; nobody logged in at level 2.
    assert travail["open"] is True
    assert (travail["logged_in"], travail["available"], travail["waiting"], travail["wait_s"]) == (0, 0, 0, None)
    assert travail["refusal"] == "no_agent_logged_in"
    assert travail["message"] == "Aucun conseiller n'est connecté à ce pôle ; l'appelant reste avec vous."
    supervisor = httpx.get(f"{running_service.base_url}/api/desk/sectors",
                           headers=running_service.headers(Role.SUPERVISOR), timeout=10)
    assert supervisor.status_code == 200 and supervisor.json() == sectors


def test_the_desk_transfer_refuses_a_call_not_connected_now_and_a_bad_sector(desk):
    gone = desk.post(f"/api/desk/calls/{CALL}/transfer", json={"sector": "travail"})
    assert gone.status_code == 404
    assert gone.json()["detail"] == "Cet appel n'est plus en cours avec un conseiller."
    bad = desk.post(f"/api/desk/calls/{CALL}/transfer", json={"sector": "Météo !"})
    assert bad.status_code == 422


def test_orient_records_the_body_name_for_the_adviser_who_answered(desk, running_service, test_settings):
    made = desk.post(f"/api/desk/calls/{CALL}/orient", json={"body_id": BODY["id"]})
    assert made.status_code == 201, made.text
    row = made.json()
    assert (row["call_id"], row["agent"], row["body_id"], row["body_name"]) == (
        CALL, "agent1001", BODY["id"], "Caf de Desk-sur-Mer")
    listed = desk.get(f"/api/desk/calls/{CALL}/orientations").json()
    assert [o["id"] for o in listed] == [row["id"]]
    stored = asyncio.run(_run(test_settings.sqlalchemy_url, select(CallOrientation.agent, CallOrientation.body_name)
                              .where(CallOrientation.id == row["id"])))
    assert stored == [("agent1001", "Caf de Desk-sur-Mer")]

    unknown_body = desk.post(f"/api/desk/calls/{CALL}/orient", json={"body_id": "desk-act-nowhere"})
    assert unknown_body.status_code == 404
    assert unknown_body.json()["detail"] == "Cet organisme n'est pas dans l'annuaire."
    others = desk.post(f"/api/desk/calls/{OTHER_CALL}/orient", json={"body_id": BODY["id"]})
    assert others.status_code == 403 and others.json()["detail"] == "Cet appel n'a pas été pris sur votre poste."
    assert desk.get(f"/api/desk/calls/{OTHER_CALL}/orientations").status_code == 403
    unknown_call = desk.post("/api/desk/calls/desk-act-none/orient", json={"body_id": BODY["id"]})
    assert unknown_call.status_code == 404 and unknown_call.json()["detail"] == "Appel inconnu."
    # Supervisors read any call's orientations.
    seen = httpx.get(f"{running_service.base_url}/api/desk/calls/{CALL}/orientations",
                     headers=running_service.headers(Role.SUPERVISOR), timeout=10)
    assert [o["body_name"] for o in seen.json()] == ["Caf de Desk-sur-Mer"]


def _open_gauge(service) -> float:
    text = httpx.get(f"{service.base_url}/metrics", headers=service.headers(Role.OPS), timeout=10).text
    return float(re.search(r"^allo_help_requests_open (\S+)$", text, re.M).group(1))


def test_a_help_request_shows_on_the_dashboard_until_taken_in_hand(desk, running_service, test_settings):
    supervisor = httpx.Client(base_url=running_service.base_url, headers=running_service.headers(Role.SUPERVISOR),
                              timeout=10)
    before = _open_gauge(running_service)
    text = f"Question sur un licenciement {uuid.uuid4().hex[:6]}"
    asked = desk.post("/api/desk/help", json={"call_id": CALL, "text": text})
    assert asked.status_code == 201, asked.text
    request = asked.json()
    assert (request["agent"], request["call_id"], request["text"]) == ("agent1001", CALL, text)
    assert _open_gauge(running_service) == before + 1

    listed = supervisor.get("/api/supervisor/help").json()
    assert any(r["id"] == request["id"] and r["agent"] == "agent1001" for r in listed)
    board = supervisor.get("/api/dashboard").json()["help"]
    shown = next(r for r in board["requests"] if r["id"] == request["id"])
    assert (shown["agent"], shown["call_id"], shown["text"]) == ("agent1001", CALL, text)
    assert re.fullmatch(r"\d\d:\d\d", shown["asked_at"]) and shown["waiting_seconds"] >= 0
    assert board["count"] == len(board["requests"])

    others = desk.post("/api/desk/help", json={"call_id": OTHER_CALL})
    assert others.status_code == 403
    wordy = desk.post("/api/desk/help", json={"text": "x" * 201})
    assert wordy.status_code == 422 and wordy.json()["detail"] == "Le message ne doit pas dépasser 200 caractères."

    taken = supervisor.post(f"/api/supervisor/help/{request['id']}/answer")
    assert taken.status_code == 200, taken.text
    assert _open_gauge(running_service) == before
    assert all(r["id"] != request["id"] for r in supervisor.get("/api/supervisor/help").json())
    assert all(r["id"] != request["id"] for r in supervisor.get("/api/dashboard").json()["help"]["requests"])
    again = supervisor.post(f"/api/supervisor/help/{request['id']}/answer")
    assert again.status_code == 409 and again.json()["detail"] == "Cette demande d'aide a déjà été prise en charge."
    missing = supervisor.post("/api/supervisor/help/999999999/answer")
    assert missing.status_code == 404 and missing.json()["detail"] == "Cette demande d'aide n'existe pas."

    audited = asyncio.run(_run(test_settings.sqlalchemy_url, select(AuditEntry.action, AuditEntry.actor,
                                                                    AuditEntry.detail)
                               .where(AuditEntry.target == str(request["id"]), AuditEntry.action.like("desk.%"))))
    assert audited == [("desk.help.answer", running_service.credentials(Role.SUPERVISOR)[0], {"agent": "agent1001"})]
    supervisor.close()
