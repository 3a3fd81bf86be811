"""Listen / whisper into an adviser's call from the supervisor's softphone: the dashboard API originates the
supervisor's PJSIP endpoint (a SIPp UAS registered as sup2001) into ChanSpy on the adviser's channel; Asterisk
reports ChanSpyStart with the supervisor as spyer and the adviser as spyee. The action is audited."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from acd.ami.events import AgentConnect, QueueCallerJoin, UnknownEvent
from allo.auth.roles import Role
from allo.db.admin_models import AuditEntry
from allo.setup import sipp
from tests.e2e.agent_kit import register_phone

pytestmark = pytest.mark.e2e

SUPERVISOR_PHONE = "sup2001"  # users.extension of the demo supervisor


async def register(test_settings, demo_passwords, username: str) -> int:
    return await register_phone(test_settings, username, demo_passwords[username])


def spy_start(event: object) -> bool:
    return isinstance(event, UnknownEvent) and event.name == "ChanSpyStart"


async def last_audit(settings, action: str) -> AuditEntry:
    engine = create_async_engine(settings.sqlalchemy_url)
    try:
        async with engine.connect() as conn:
            row = (await conn.execute(select(AuditEntry).where(AuditEntry.action == action)
                                      .order_by(AuditEntry.id.desc()).limit(1))).first()
    finally:
        await engine.dispose()
    assert row is not None, f"no audit entry {action}"
    return row  # type: ignore[return-value]


@pytest.mark.parametrize("mode", ["listen", "whisper"])
async def test_supervisor_phone_spies_on_the_advisers_call(test_settings, running_service, ami_watch,
                                                           demo_passwords, mode: str) -> None:
    agent = "agent1002"
    agent_port = await register(test_settings, demo_passwords, agent)
    phone_port = await register(test_settings, demo_passwords, SUPERVISOR_PHONE)
    start = len(ami_watch.events)
    answering = sipp.agent(test_settings.sip_port, agent_port, talk_ms=8000).start()
    phone = sipp.agent(test_settings.sip_port, phone_port, talk_ms=2000).start()
    await ami_watch.client.queue_add("l1", f"PJSIP/{agent}", agent)
    # A different number per mode: a repeat caller would be put straight through to its former adviser.
    caller = {"listen": "0655300011", "whisper": "0655300012"}[mode]
    citizen = sipp.citizen(test_settings.sip_port, caller=caller, keys="1").start()
    try:
        joined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1"
                                          and ami_watch.index_of(e) >= start, timeout=40)
        connected = await ami_watch.wait_for(AgentConnect, lambda e: e.uniqueid == joined.uniqueid)
        async with httpx.AsyncClient(base_url=running_service.base_url, timeout=10,
                                     headers=running_service.headers(Role.SUPERVISOR)) as client:
            reply = await client.post(f"/api/supervisor/agents/{agent}/spy", json={"mode": mode})
        assert reply.status_code == 200, reply.text
        assert reply.json()["extension"] == SUPERVISOR_PHONE and reply.json()["call_id"] == joined.uniqueid
        started = await ami_watch.wait_for(UnknownEvent, lambda e: spy_start(e) and ami_watch.index_of(e) >= start,
                                           timeout=15)
        assert started.fields["SpyerChannel"].startswith(f"PJSIP/{SUPERVISOR_PHONE}-"), started.fields
        assert started.fields["SpyeeChannel"] == connected.dest_channel, started.fields
        assert (await asyncio.to_thread(phone.wait, 20)).ok
        assert (await asyncio.to_thread(citizen.wait, 30)).ok
    finally:
        for process in (citizen, phone, answering):
            process.stop()
        await ami_watch.client.queue_remove("l1", f"PJSIP/{agent}")
    entry = await last_audit(test_settings, f"call.{mode}")
    assert (entry.actor, entry.target, entry.detail) == ("superviseur", agent, {"extension": SUPERVISOR_PHONE})


async def test_spying_is_refused_while_the_supervisor_phone_is_not_registered(test_settings, running_service,
                                                                              ami_watch, demo_passwords) -> None:
    agent = "agent1002"
    # Registered (replacing any earlier contact: one contact per agent), then unregistered from the same address
    # (expires 0): Asterisk knows the endpoint but has no contact for it.
    port = await register(test_settings, demo_passwords, SUPERVISOR_PHONE)
    result = await asyncio.to_thread(sipp.register_agent, test_settings.sip_port, SUPERVISOR_PHONE,
                                     demo_passwords[SUPERVISOR_PHONE], port, 0)
    assert result.ok, result.log
    agent_port = await register(test_settings, demo_passwords, agent)
    start = len(ami_watch.events)
    answering = sipp.agent(test_settings.sip_port, agent_port, talk_ms=4000).start()
    await ami_watch.client.queue_add("l1", f"PJSIP/{agent}", agent)
    citizen = sipp.citizen(test_settings.sip_port, caller="0655300002", keys="1").start()
    try:
        joined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1"
                                          and ami_watch.index_of(e) >= start, timeout=40)
        await ami_watch.wait_for(AgentConnect, lambda e: e.uniqueid == joined.uniqueid)
        async with httpx.AsyncClient(base_url=running_service.base_url, timeout=10,
                                     headers=running_service.headers(Role.SUPERVISOR)) as client:
            reply = await client.post(f"/api/supervisor/agents/{agent}/spy", json={"mode": "barge"})
        assert reply.status_code == 409, reply.text
        assert reply.json()["detail"] == f"your softphone {SUPERVISOR_PHONE} is not registered"
        assert (await asyncio.to_thread(citizen.wait, 30)).ok
    finally:
        for process in (citizen, answering):
            process.stop()
        await ami_watch.client.queue_remove("l1", f"PJSIP/{agent}")
