"""The desk's transfer with real calls: the buttons' figures for a level-2 sector with an adviser logged in, a
refusal in French for a sector with nobody, a 403 for another adviser, then the transfer of a SIPp citizen from
level 1 (agent1001) to Droit du travail (agent2001) with the caller's leg kept and the level-1 adviser recorded.
And the buttons of a stack whose clock says the level-2 hours are over: every sector closed, with its reason."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from acd.ami.events import AgentConnect, QueueCallerJoin
from allo.auth.roles import Role
from tests.e2e.test_transfer import _level1_call, level2_agent
from tests.integration.allo.api.desk_kit import adviser_headers

pytestmark = pytest.mark.e2e

CLOSED_AT = "2026-11-24T14:00:00"  # a Tuesday: level 1 open until 20:00, level 2 (specialist hours) closed at 13:00


async def test_a_desk_transfer_from_level_1_to_travail_and_the_refusals(
        test_settings, running_service, ami_watch, l1_agent, demo_passwords):
    mine = adviser_headers(running_service, "agent1001")
    other = adviser_headers(running_service, "agent1002")
    async with level2_agent(test_settings, demo_passwords, ami_watch, "travail") as level2:
        citizen, level1, call_id = await _level1_call(test_settings, ami_watch, l1_agent, "0656222282")
        try:
            async with httpx.AsyncClient(base_url=running_service.base_url, headers=mine, timeout=10) as desk:
                sectors = {s["sector"]: s for s in (await desk.get("/api/desk/sectors")).json()}
                travail = sectors["travail"]
                assert (travail["open"], travail["logged_in"], travail["refusal"], travail["message"]) == (
                    True, 1, None, None)
                assert travail["waiting"] == 0 and travail["wait_s"] is not None
                assert sectors["consommation"]["refusal"] == "no_agent_logged_in"

                stolen = await desk.post(f"/api/desk/calls/{call_id}/transfer", json={"sector": "travail"},
                                         headers=other)
                assert stolen.status_code == 403
                assert stolen.json()["detail"] == "Cet appel n'est pas en cours sur votre poste."
                nobody = await desk.post(f"/api/desk/calls/{call_id}/transfer", json={"sector": "consommation"})
                assert nobody.status_code == 409
                assert nobody.json()["detail"] == ("Aucun conseiller n'est connecté à ce pôle ; l'appelant reste "
                                                   "avec vous.")
                unknown = await desk.post(f"/api/desk/calls/{call_id}/transfer", json={"sector": "meteo"})
                assert unknown.status_code == 422
                assert unknown.json()["detail"] == "Ce pôle n'existe pas dans les règles en vigueur."

                note = await desk.post(f"/api/calls/{call_id}/notes", json={"text": "Rupture conventionnelle"})
                assert note.status_code == 201, note.text
                moved = await desk.post(f"/api/desk/calls/{call_id}/transfer", json={"sector": "travail"})
                assert moved.status_code == 200, moved.text
                assert moved.json() == {"status": "transferred", "sector": "travail", "queue": "l2-travail"}
                rejoined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l2-travail")
                assert rejoined.uniqueid == call_id  # the same caller channel
                connected = await ami_watch.wait_for(
                    AgentConnect, lambda e: e.uniqueid == call_id and e.queue == "l2-travail")
                assert connected.member_name == "agent2001"
                context = (await desk.get(f"/api/calls/{call_id}",
                                          headers=running_service.headers(Role.SUPERVISOR))).json()
                assert context["transferred_to"] == "travail" and context["level1_agent"] == "agent1001"
                assert [n["text"] for n in context["notes"]] == ["Rupture conventionnelle"]
            citizen_result = await asyncio.to_thread(citizen.wait, 30)
            assert citizen_result.ok, citizen_result.log  # one dialog from start to end
            assert (await asyncio.to_thread(level1.wait, 10)).ok
            assert (await asyncio.to_thread(level2.wait, 10)).ok
        finally:
            citizen.stop()
            level1.stop()


@pytest.fixture
def closed_service(allo_service) -> Iterator[object]:
    """The service restarted with its routing clock after the level-2 hours; the default clock again after."""
    allo_service.stop()
    allo_service.fixed_now = CLOSED_AT
    allo_service.start()
    try:
        yield allo_service
    finally:
        allo_service.stop()
        allo_service.fixed_now = allo_service.DEFAULT_NOW


def test_after_the_level_2_hours_every_button_says_the_sector_is_closed(closed_service):
    reply = httpx.get(f"{closed_service.base_url}/api/desk/sectors",
                      headers=adviser_headers(closed_service, "agent1001"), timeout=10)
    assert reply.status_code == 200, reply.text
    sectors = reply.json()
    assert len(sectors) == 6
    for sector in sectors:
        assert sector["open"] is False, sector
        assert sector["refusal"] == "sector_closed"
        assert sector["message"] == "Ce pôle est fermé à cette heure ; l'appelant reste avec vous."
