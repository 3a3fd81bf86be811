"""An adviser's softphone registered by SIPp, and an adviser's queue membership as the service sees it, shared by
the end-to-end tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from allo.auth.roles import Role
from allo.settings import Settings
from allo.setup import sipp


async def register_phone(settings: Settings, username: str, password: str) -> int:
    """Register `username` from a free port and return it: the answering SIPp (sipp.agent...) listens there."""
    port = sipp.free_port()
    result = await asyncio.to_thread(sipp.register_agent, settings.sip_port, username, password, port)
    assert result.ok, result.log
    return port


async def wait_member(service, queue: str, interface: str, present: bool = True, timeout: float = 5.0,
                      **expected: object) -> dict:
    """Wait until GET /api/queues shows the member in `queue` (or not), with the expected fields; return it.

    `service`: allo.setup.service_process.ServiceProcess. The service's live state follows Asterisk's AMI events,
    so a change made over AMI or from a phone shows here a moment later."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=service.base_url, headers=service.headers(Role.SUPERVISOR),
                                 timeout=5) as client:
        while True:
            queues = (await client.get("/api/queues")).json()["queues"]
            members = {m["interface"]: m for q in queues if q["name"] == queue for m in q["members"]}
            member = members.get(interface)
            if not present and member is None:
                return {}
            if present and member is not None and all(member.get(k) == v for k, v in expected.items()):
                return member
            if time.monotonic() > deadline:
                raise AssertionError(f"{interface} in {queue}: wanted present={present} {expected} within "
                                     f"{timeout} s, saw {member}")
            await asyncio.sleep(0.1)


SECTOR_AGENT = {"interieur": "agent2002", "justice": "agent2002", "travail": "agent2001", "logement": "agent2001",
                "fiscalite": "agent2003", "consommation": "agent2003"}


@asynccontextmanager
async def level2_agent(test_settings: Settings, demo_passwords: dict[str, str], ami_watch,
                       sector: str, talk_ms: int = 1500) -> AsyncIterator[sipp.Sipp]:
    """The sector's adviser (a SIPp phone) registered, logged in to its queue, and ready to answer one call.
    `ami_watch`: tests.e2e.ami_kit.AmiWatch."""
    username = SECTOR_AGENT[sector]
    port = await register_phone(test_settings, username, demo_passwords[username])
    interface = f"PJSIP/{username}"
    await ami_watch.client.queue_add(f"l2-{sector}", interface, username)
    answering = sipp.agent(test_settings.sip_port, port, talk_ms=talk_ms).start()
    try:
        yield answering
    finally:
        answering.stop()
        await ami_watch.client.queue_remove(f"l2-{sector}", interface)
