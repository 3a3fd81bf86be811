"""A published change of a queue's service level reaches Asterisk within seconds, through queues.conf and an AMI
reload of queue parameters, without dropping the logged-in member or the waiting caller. Its announce frequency
(allo's own announcements) reaches the service and stays out of queues.conf."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from acd.ami.events import AgentConnect, QueueCallerJoin, QueueEntry, QueueMember, QueueParams
from allo.auth.roles import Role
from allo.setup import sipp
from tests.e2e.queue_kit import announce_every_is

pytestmark = pytest.mark.e2e


async def l1_status(ami) -> tuple[QueueParams, list[QueueMember], list[QueueEntry]]:
    events = await ami.queue_status("l1")
    params = next(e for e in events if isinstance(e, QueueParams))
    return (params, [e for e in events if isinstance(e, QueueMember)],
            [e for e in events if isinstance(e, QueueEntry)])


async def wait_service_level(ami, seconds: int, timeout: float = 10) -> float:
    """How long Asterisk took to use `seconds` as l1's service level."""
    start = time.monotonic()
    while (await l1_status(ami))[0].service_level != seconds:
        assert time.monotonic() - start < timeout, f"Asterisk still has service level " \
                                                   f"{(await l1_status(ami))[0].service_level}, not {seconds}"
        await asyncio.sleep(0.2)
    return time.monotonic() - start


def l1_section(asterisk) -> str:
    conf = asterisk.host_path(f"{asterisk.etc_dir}/queues.conf").read_text()
    return conf.split("[l1](allo-queue)\n", 1)[1].split("\n\n", 1)[0] + "\n"


async def test_published_queue_thresholds_reach_asterisk_keeping_members_and_callers(
        test_settings, running_service, asterisk, ami_watch, l1_agent):
    ami = ami_watch.client
    async with httpx.AsyncClient(base_url=running_service.base_url, headers=running_service.headers(Role.OPS),
                                 timeout=30) as ops:
        await ops.delete("/api/rules/draft")
        start = (await ops.get("/api/rules/current")).json()
        before = start["document"]["queues"]["l1"]
        params, members, _ = await l1_status(ami)
        assert params.service_level == before["service_level"]
        assert "announce-frequency" not in l1_section(asterisk)  # allo announces, not app_queue
        assert [m.interface for m in members] == ["PJSIP/agent1001"]
        service_level, every = before["service_level"] + 7, before["announce_frequency"] + 15

        # A caller waits in l1 (the agent's phone does not answer yet) while the change is published.
        citizen = sipp.citizen(test_settings.sip_port, caller="0657000077", keys="1").start()
        answering: sipp.Sipp | None = None
        try:
            joined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1")
            edit = await ops.post("/api/rules/draft/edits", json={
                "op": "set_queue", "name": "l1", "service_level": service_level, "announce_frequency": every})
            assert edit.status_code == 200, edit.text
            published = await ops.post("/api/rules/draft/publish", json={"comment": "seuils de l1"})
            assert published.status_code == 200, published.text

            took = await wait_service_level(ami, service_level)
            print(f"[queue reload] Asterisk used the new service level {took:.2f} s after publishing")
            assert f"servicelevel = {service_level}\n" in l1_section(asterisk)
            await announce_every_is(running_service, "l1", every)  # in force in the service
            assert f"within {service_level}s" in asterisk.cli("queue show l1")
            _, members, entries = await l1_status(ami)
            assert [m.interface for m in members] == ["PJSIP/agent1001"], "the reload dropped the member"
            assert [e.uniqueid for e in entries] == [joined.uniqueid], "the reload dropped the waiting caller"

            # The same caller is still served by the same member after the reload.
            answering = l1_agent.answer(talk_ms=500)
            connected = await ami_watch.wait_for(AgentConnect, lambda e: e.uniqueid == joined.uniqueid, timeout=30)
            assert connected.member_name == "agent1001"
            assert (await asyncio.to_thread(citizen.wait, 60)).ok
        finally:
            citizen.stop()
            if answering is not None:
                answering.stop()
            back = await ops.post(f"/api/rules/versions/{start['id']}/rollback", json={"comment": "test clean-up"})
            assert back.status_code == 200, back.text

        # The rollback reaches Asterisk too, and the member is still there.
        await wait_service_level(ami, before["service_level"])
        _, members, _ = await l1_status(ami)
        assert [m.interface for m in members] == ["PJSIP/agent1001"]
