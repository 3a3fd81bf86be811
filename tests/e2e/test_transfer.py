"""Level 1 -> level 2 without the caller hanging up: real calls, real agents, AMI BlindTransfer via the API."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from acd.ami.events import AgentConnect, QueueCallerJoin
from allo.auth.roles import Role
from allo.setup import sipp
from tests.adviser_kit import adviser_headers, adviser_name
from tests.e2e.agent_kit import SECTOR_AGENT, level2_agent, register_phone
from tests.e2e.heard_kit import heard

pytestmark = pytest.mark.e2e


async def _level1_call(test_settings, ami_watch, l1_agent, caller: str) -> tuple[sipp.Sipp, sipp.Sipp, str]:
    level1 = sipp.agent_until_bye(test_settings.sip_port, l1_agent.port).start()
    citizen = sipp.citizen(test_settings.sip_port, caller=caller, keys="1").start()
    joined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1", timeout=30)
    await ami_watch.wait_for(AgentConnect, lambda e: e.uniqueid == joined.uniqueid and e.queue == "l1")
    return citizen, level1, joined.uniqueid


@pytest.mark.parametrize("sector", ["interieur", "travail", "consommation", "justice", "fiscalite", "logement"])
async def test_transfer_to_each_sector_keeps_the_caller_and_the_notes(
        sector, test_settings, running_service, ami_watch, l1_agent, demo_passwords):
    api = running_service.base_url
    async with level2_agent(test_settings, demo_passwords, ami_watch, sector) as level2:
        # One number per sector: two sectors' calls from one number would make the second a repeat caller.
        caller = f"06560001{list(SECTOR_AGENT).index(sector):02d}"
        citizen, level1, call_id = await _level1_call(test_settings, ami_watch, l1_agent, caller)
        try:
            async with httpx.AsyncClient(base_url=api, headers=adviser_headers(running_service, "agent1001"),
                                         timeout=10) as client:
                note = await client.post(f"/api/calls/{call_id}/notes",
                                         json={"text": f"Question de {sector}, dossier 42"})
                assert note.status_code == 201, note.text
                supervisor = running_service.headers(Role.SUPERVISOR)
                active = (await client.get("/api/calls/active", headers=supervisor)).json()
                assert any(c["call_id"] == call_id and c["agent"] == "agent1001" for c in active)
                moved = await client.post(f"/api/calls/{call_id}/transfer", json={"sector": sector})
                assert moved.status_code == 200, moved.text
                assert moved.json() == {"status": "transferred", "sector": sector, "queue": f"l2-{sector}"}
                rejoined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == f"l2-{sector}")
                assert rejoined.uniqueid == call_id  # the same caller channel, not a new call
                connected = await ami_watch.wait_for(
                    AgentConnect, lambda e: e.uniqueid == call_id and e.queue == f"l2-{sector}")
                assert connected.member_name == SECTOR_AGENT[sector]
                # What the level-2 adviser reads.
                context = (await client.get(f"/api/calls/{call_id}")).json()
                assert context["transferred_to"] == sector and context["sector"] == sector
                assert context["level1_agent"] == "agent1001"
                assert [(n["author"], n["text"]) for n in context["notes"]] == [
                    (adviser_name("agent1001"), f"Question de {sector}, dossier 42")]
            # One dialog for the citizen from start to end: no BYE or re-INVITE until level 2 hangs up.
            citizen_result = await asyncio.to_thread(citizen.wait, 30)
            assert citizen_result.ok, citizen_result.log
            level1_result = await asyncio.to_thread(level1.wait, 10)
            assert level1_result.ok, level1_result.log
            level2_result = await asyncio.to_thread(level2.wait, 10)
            assert level2_result.ok, level2_result.log
        finally:
            citizen.stop()
            level1.stop()


async def test_transfer_to_a_sector_with_nobody_logged_in_is_refused_and_the_caller_stays(
        test_settings, running_service, ami_watch, l1_agent):
    citizen, level1, call_id = await _level1_call(test_settings, ami_watch, l1_agent, "0656999999")
    try:
        async with httpx.AsyncClient(base_url=running_service.base_url,
                                     headers=adviser_headers(running_service, "agent1001"), timeout=10) as client:
            refused = await client.post(f"/api/calls/{call_id}/transfer", json={"sector": "consommation"})
            assert refused.status_code == 409
            assert refused.json()["detail"]["error"] == "no_agent_logged_in"
            assert "stays with you" in refused.json()["detail"]["message"]
            unknown = await client.post(f"/api/calls/{call_id}/transfer", json={"sector": "meteo"})
            assert unknown.status_code == 422
            await asyncio.sleep(1)
            active = (await client.get("/api/calls/active", headers=running_service.headers(Role.SUPERVISOR))).json()
            assert any(c["call_id"] == call_id and c["agent"] == "agent1001" for c in active)
        joined = next(e for e in ami_watch.events if isinstance(e, QueueCallerJoin) and e.uniqueid == call_id)
        await ami_watch.client.action("Hangup", {"Channel": joined.channel})
        assert (await asyncio.to_thread(citizen.wait, 20)).ok
        assert (await asyncio.to_thread(level1.wait, 20)).ok
    finally:
        citizen.stop()
        level1.stop()


async def test_transfer_from_the_softphone_by_sip_refer_keeps_the_caller(
        test_settings, running_service, asterisk, ami_watch, l1_agent, demo_passwords):
    """The level-1 adviser's phone sends REFER to 82 (travail): the citizen's dialog goes on with level 2, after
    « Vous êtes transféré vers le service Droit du travail. »"""
    async with level2_agent(test_settings, demo_passwords, ami_watch, "travail") as level2:
        with heard(asterisk) as log:
            level1 = sipp.agent_refer(test_settings.sip_port, l1_agent.port, "82", talk_ms=2500).start()
            citizen = sipp.citizen(test_settings.sip_port, caller="0656111182", keys="1").start()
            try:
                joined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1", timeout=30)
                call_id = joined.uniqueid
                await ami_watch.wait_for(AgentConnect, lambda e: e.uniqueid == call_id and e.queue == "l1")
                agent = adviser_headers(running_service, "agent1001")
                async with httpx.AsyncClient(base_url=running_service.base_url, headers=agent, timeout=10) as client:
                    note = await client.post(f"/api/calls/{call_id}/notes",
                                             json={"text": "Licenciement, transfert par REFER"})
                    assert note.status_code == 201, note.text
                    rejoined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l2-travail")
                    assert rejoined.uniqueid == call_id
                    await log.wait_for(joined.channel, lambda said: "allo/transfert/travail" in said, timeout=5)
                    connected = await ami_watch.wait_for(
                        AgentConnect, lambda e: e.uniqueid == call_id and e.queue == "l2-travail")
                    assert connected.member_name == "agent2001"
                    level1_result = await asyncio.to_thread(level1.wait, 15)
                    assert level1_result.ok, level1_result.log
                    context = (await client.get(f"/api/calls/{call_id}")).json()
                    assert context["transferred_to"] == "travail" and context["level1_agent"] == "agent1001"
                    assert [n["text"] for n in context["notes"]] == ["Licenciement, transfert par REFER"]
                citizen_result = await asyncio.to_thread(citizen.wait, 30)
                assert citizen_result.ok, citizen_result.log  # one dialog, no BYE/re-INVITE before level 2 ends
                assert (await asyncio.to_thread(level2.wait, 10)).ok
            finally:
                citizen.stop()
                level1.stop()


async def test_refer_to_a_sector_with_nobody_logged_in_brings_the_caller_back_to_level_1(
        test_settings, running_service, asterisk, ami_watch, l1_agent, demo_passwords):
    """A REFER is accepted by Asterisk before anyone can check: the caller is told and goes back to level 1."""
    level1 = sipp.agent_refer(test_settings.sip_port, l1_agent.port, "83", talk_ms=1500).start()
    citizen = sipp.citizen(test_settings.sip_port, caller="0656111183", keys="1").start()
    # A second level-1 adviser takes the caller back (agent1001 is in wrap-up after the transfer).
    other = "agent1002"
    other_port = await register_phone(test_settings, other, demo_passwords[other])
    again = sipp.agent(test_settings.sip_port, other_port, talk_ms=1000).start()
    try:
        with heard(asterisk) as log:
            joined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1", timeout=30)
            call_id = joined.uniqueid
            await ami_watch.wait_for(AgentConnect, lambda e: e.uniqueid == call_id and e.queue == "l1")
            await ami_watch.client.queue_add("l1", f"PJSIP/{other}", other)
            assert (await asyncio.to_thread(level1.wait, 15)).ok
            back = await ami_watch.wait_for(
                QueueCallerJoin, lambda e: e.uniqueid == call_id and e.queue == "l1" and e is not joined, timeout=20)
            said = await log.wait_for(joined.channel, lambda said: "allo/transfert-indisponible" in said, timeout=5)
        # Told before going back, and never told they were going to the sector.
        assert "allo/transfert-indisponible" in said and "allo/transfert/consommation" not in said, said
        assert not any(isinstance(e, QueueCallerJoin) and e.queue == "l2-consommation" for e in ami_watch.events)
        rejoined_at = ami_watch.index_of(back)  # the second join is equal (==) to the first, field for field
        await ami_watch.wait_for(AgentConnect, lambda e: e.uniqueid == call_id and e.queue == "l1"
                                 and ami_watch.index_of(e) > rejoined_at, timeout=20)
        citizen_result = await asyncio.to_thread(citizen.wait, 30)
        assert citizen_result.ok, citizen_result.log  # still one dialog
        assert (await asyncio.to_thread(again.wait, 10)).ok
        async with httpx.AsyncClient(base_url=running_service.base_url,
                                     headers=adviser_headers(running_service, "agent1001"), timeout=10) as client:
            context = (await client.get(f"/api/calls/{call_id}")).json()
        assert context["transferred_to"] is None
    finally:
        citizen.stop()
        level1.stop()
        again.stop()
        await ami_watch.client.queue_remove("l1", f"PJSIP/{other}")
