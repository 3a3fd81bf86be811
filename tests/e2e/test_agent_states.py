"""Agent states from the phone (feature codes over SIP with digest auth) and from the API, seen in the live state."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from allo.auth.roles import Role
from allo.setup import sipp
from tests.e2e.agent_kit import wait_member

pytestmark = pytest.mark.e2e

USER = "agent2003"  # serves l2-fiscalite and l2-consommation


async def _dial(test_settings, demo_passwords, code: str) -> None:
    result = await asyncio.to_thread(sipp.agent_dial(test_settings.sip_port, USER, demo_passwords[USER], code).run)
    assert result.ok, result.log


async def test_feature_codes_log_in_pause_resume_and_log_out(test_settings, running_service, demo_passwords):
    api, interface = running_service, f"PJSIP/{USER}"
    supervisor = running_service.headers(Role.SUPERVISOR)
    await _dial(test_settings, demo_passwords, "*11")
    for queue in ("l2-fiscalite", "l2-consommation"):
        await wait_member(api, queue, interface, paused=False)
    await _dial(test_settings, demo_passwords, "*13")
    await wait_member(api, "l2-fiscalite", interface, paused=True, reason="telephone")
    queues = httpx.get(f"{api.base_url}/api/queues", headers=supervisor, timeout=5).json()["queues"]
    fiscalite = next(q for q in queues if q["name"] == "l2-fiscalite")
    assert fiscalite["agents"]["logged_in"] == 1 and fiscalite["agents"]["paused"] == 1
    assert fiscalite["agents"]["available"] == 0
    agents = httpx.get(f"{api.base_url}/api/agents", headers=supervisor, timeout=5).json()
    me = next(a for a in agents if a["agent"] == USER)
    assert me["logged_in"] and me["paused"] and me["pause_reason"] == "telephone"
    assert me["queues"] == ["l2-consommation", "l2-fiscalite"]
    await _dial(test_settings, demo_passwords, "*14")
    await wait_member(api, "l2-consommation", interface, paused=False)
    await _dial(test_settings, demo_passwords, "*12")
    for queue in ("l2-fiscalite", "l2-consommation"):
        await wait_member(api, queue, interface, present=False)


async def test_the_api_does_the_same(test_settings, running_service):
    api, interface = running_service, f"PJSIP/{USER}"
    async with httpx.AsyncClient(base_url=api.base_url, headers=api.headers(Role.SUPERVISOR), timeout=10) as client:
        login = await client.post(f"/api/agents/{USER}/login")
        assert login.status_code == 200 and login.json()["queues"] == ["l2-consommation", "l2-fiscalite"]
        await wait_member(api, "l2-fiscalite", interface, paused=False)
        paused = await client.post(f"/api/agents/{USER}/pause", json={"reason": "formation"})
        assert paused.status_code == 200
        await wait_member(api, "l2-fiscalite", interface, paused=True, reason="formation")
        assert (await client.post(f"/api/agents/{USER}/pause", json={"reason": "x\nInjected: 1"})).status_code == 422
        assert (await client.post("/api/agents/nobody/login")).status_code == 404
        assert (await client.post(f"/api/agents/{USER}/logout")).status_code == 200
        await wait_member(api, "l2-fiscalite", interface, present=False)
