"""The advisers' desired state in PostgreSQL, applied by each node's reconciler (docs/agents.md): an API login
writes it; a row changed directly and announced (`NOTIFY allo_agents`, as another node's allo does) reaches this
node's Asterisk within a second; a change of queues by ops applies at once; an Asterisk restart brings the
logged-in advisers back, paused or not as desired, and not an agent allo never acted for."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import httpx
import pytest

from acd.ami.events import QueueMember
from allo.auth.roles import Role
from tests.e2e.agent_kit import wait_member

pytestmark = pytest.mark.e2e

FISCALITE = "agent2003"  # serves l2-consommation and l2-fiscalite (penalty 0)
INTERIEUR = "agent2002"  # serves l2-interieur and l2-justice
FISCALITE_QUEUES = ("l2-consommation", "l2-fiscalite")
INTERIEUR_QUEUES = ("l2-interieur", "l2-justice")


async def sql(settings, statement: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(settings.asyncpg_dsn, timeout=10)
    try:
        return await conn.fetch(statement, *args)
    finally:
        await conn.close()


async def desired(settings, username: str) -> asyncpg.Record:
    (row,) = await sql(settings, "SELECT p.* FROM agent_presence p JOIN agents a ON a.id = p.agent_id "
                                 "WHERE a.username = $1", username)
    return row


async def as_another_node(settings, username: str, **values: object) -> float:
    """Change the adviser's row and announce it, as the allo of another node does; when it was announced."""
    sets = ", ".join(f"{name} = ${n}" for n, name in enumerate(values, start=2))
    await sql(settings, f"UPDATE agent_presence SET {sets}, node = 'b', updated_at = now() "
                        "WHERE agent_id = (SELECT id FROM agents WHERE username = $1)", username, *values.values())
    await sql(settings, "SELECT pg_notify('allo_agents', $1)", username)
    return time.monotonic()


async def wait_penalty(ami, queue: str, interface: str, penalty: int, timeout: float = 2.0) -> None:
    """Wait until Asterisk itself (QueueStatus) has the member in `queue` with `penalty`."""
    deadline = time.monotonic() + timeout
    while True:
        seen = [e.penalty for e in await ami.queue_status(queue)
                if isinstance(e, QueueMember) and e.interface == interface]
        if seen == [penalty]:
            return
        assert time.monotonic() < deadline, f"{interface} in {queue}: penalty {seen}, wanted {penalty}"
        await asyncio.sleep(0.1)


async def test_a_login_writes_the_desired_state_and_another_nodes_changes_apply_within_a_second(
        test_settings, running_service, ami_watch) -> None:
    api, interface = running_service, f"PJSIP/{FISCALITE}"
    supervisor, _ = running_service.credentials(Role.SUPERVISOR)
    async with httpx.AsyncClient(base_url=api.base_url, headers=api.headers(Role.SUPERVISOR), timeout=10) as client:
        try:
            assert (await client.post(f"/api/agents/{FISCALITE}/login")).status_code == 200
            row = await desired(test_settings, FISCALITE)
            assert (row["logged_in"], row["paused"], row["updated_by"], row["node"]) == (True, False, supervisor, None)
            for queue in FISCALITE_QUEUES:
                await wait_member(api, queue, interface, paused=False)

            announced = await as_another_node(test_settings, FISCALITE, paused=True, pause_reason="formation")
            for queue in FISCALITE_QUEUES:
                await wait_member(api, queue, interface, paused=True, reason="formation", timeout=1.0)
            print(f"[reconciler] a pause set on another node applied here in {time.monotonic() - announced:.3f} s")
            await as_another_node(test_settings, FISCALITE, paused=False, pause_reason="")
            for queue in FISCALITE_QUEUES:
                await wait_member(api, queue, interface, paused=False, timeout=1.0)

            # Ops moves the adviser: out of l2-fiscalite, l2-consommation with penalty 3; applied at once.
            moved = await client.patch(f"/api/agents/{FISCALITE}",
                                       json={"queues": [{"queue": "l2-consommation", "penalty": 3}]})
            assert moved.status_code == 200, moved.text
            await wait_member(api, "l2-fiscalite", interface, present=False, timeout=2.0)
            await wait_penalty(ami_watch.client, "l2-consommation", interface, 3)

            announced = await as_another_node(test_settings, FISCALITE, logged_in=False)
            await wait_member(api, "l2-consommation", interface, present=False, timeout=1.0)
            print(f"[reconciler] a logout on another node applied here in {time.monotonic() - announced:.3f} s")
        finally:
            back = await client.patch(f"/api/agents/{FISCALITE}", json={"queues": [
                {"queue": queue, "penalty": 0} for queue in FISCALITE_QUEUES]})
            assert back.status_code == 200, back.text
            await client.post(f"/api/agents/{FISCALITE}/logout")


async def test_an_asterisk_restart_brings_the_advisers_back_as_desired_and_no_one_else(
        test_settings, running_service, asterisk, ami_watch) -> None:
    api = running_service
    async with httpx.AsyncClient(base_url=api.base_url, headers=api.headers(Role.SUPERVISOR), timeout=10) as client:
        try:
            for agent in (FISCALITE, INTERIEUR):
                assert (await client.post(f"/api/agents/{agent}/login")).status_code == 200
            paused = await client.post(f"/api/agents/{INTERIEUR}/pause", json={"reason": "reunion"})
            assert paused.status_code == 200, paused.text
            # An agent allo never acted for, added over AMI: Asterisk forgets it, and nobody brings it back.
            await ami_watch.client.queue_add("l1", "PJSIP/agent1002", "agent1002")
            await wait_member(api, "l1", "PJSIP/agent1002")

            asterisk.stop()
            asterisk.start()
            booted = time.monotonic()
            for queue in FISCALITE_QUEUES:
                await wait_member(api, queue, f"PJSIP/{FISCALITE}", paused=False, timeout=30)
            for queue in INTERIEUR_QUEUES:
                await wait_member(api, queue, f"PJSIP/{INTERIEUR}", paused=True, reason="reunion", timeout=30)
            print(f"[reconciler] advisers back in their queues {time.monotonic() - booted:.2f} s after Asterisk "
                  "was fully booted")
            await wait_member(api, "l1", "PJSIP/agent1002", present=False)
        finally:
            for agent in (FISCALITE, INTERIEUR):
                await client.post(f"/api/agents/{agent}/logout")
