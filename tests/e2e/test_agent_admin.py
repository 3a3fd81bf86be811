"""A new agent created through the API registers and takes a call without restarting Asterisk."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from acd.ami.events import AgentConnect, QueueCallerJoin
from allo.auth.roles import Role
from allo.setup import sipp
from tests.e2e.agent_kit import register_phone

pytestmark = pytest.mark.e2e


async def test_created_agent_registers_takes_a_call_and_can_be_disabled(test_settings, running_service, ami_watch):
    api = running_service.base_url
    supervisor = running_service.headers(Role.SUPERVISOR)  # logs agents in and out; ops create and change them
    async with httpx.AsyncClient(base_url=api, headers=running_service.headers(Role.OPS), timeout=10) as client:
        created = await client.post("/api/agents", json={"username": "agent1099", "display_name": "Nouvelle recrue",
                                                         "queues": [{"queue": "l1", "penalty": 0}]})
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["published"] is True and len(body["sip_password"]) >= 16
        assert (await client.post("/api/agents", json={"username": "agent1099", "display_name": "Doublon"})
                ).status_code == 409
        assert (await client.post("/api/agents", json={"username": "agent1098", "display_name": "X",
                                                       "queues": [{"queue": "l9"}]})).status_code == 422
        bad_name = await client.post("/api/agents", json={"username": "a]\n[b", "display_name": "X"})
        assert bad_name.status_code == 422

        port = await register_phone(test_settings, "agent1099", body["sip_password"])
        assert (await client.post("/api/agents/agent1099/login", headers=supervisor)).status_code == 200
        answering = sipp.agent(test_settings.sip_port, port, talk_ms=500).start()
        try:
            citizen = await asyncio.to_thread(sipp.citizen(test_settings.sip_port, caller="0657000001", keys="1").run)
            assert citizen.ok, citizen.log
            joined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1")
            connected = await ami_watch.wait_for(AgentConnect, lambda e: e.uniqueid == joined.uniqueid)
            assert connected.member_name == "agent1099"
            assert (await asyncio.to_thread(answering.wait, 20)).ok
        finally:
            answering.stop()
            await client.post("/api/agents/agent1099/logout", headers=supervisor)

        # A new password replaces the old one at once; a disabled agent can no longer register.
        changed = (await client.patch("/api/agents/agent1099", json={"reset_password": True})).json()
        old = await asyncio.to_thread(sipp.register_agent, test_settings.sip_port, "agent1099", body["sip_password"],
                                      sipp.free_port())
        assert not old.ok
        new = await asyncio.to_thread(sipp.register_agent, test_settings.sip_port, "agent1099",
                                      changed["sip_password"], sipp.free_port())
        assert new.ok, new.log
        assert (await client.patch("/api/agents/agent1099", json={"enabled": False})).status_code == 200
        disabled = await asyncio.to_thread(sipp.register_agent, test_settings.sip_port, "agent1099",
                                           changed["sip_password"], sipp.free_port())
        assert not disabled.ok
        assert (await client.patch("/api/agents/nobody", json={"enabled": False})).status_code == 404
