"""The reconciler and an adviser action against the real Asterisk when PostgreSQL cannot be reached: nothing is
touched, nothing is half-done (docs/agents.md); with PostgreSQL up, an agent without a desired state is left alone."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from acd.agents import AgentAction
from acd.ami.client import AmiClient
from acd.ami.events import SUBSCRIBED_EVENTS, QueueMember
from acd.live.state import LiveState, system_clock
from allo.agents.operations import AgentOperations, NotRecorded, perform
from allo.agents.reconcile_task import AgentReconciler
from allo.db.desk_models import StateSource
from allo.db.engine import make_engine
from allo.metrics import Metrics
from allo.setup.sipp import free_port

pytestmark = pytest.mark.integration

INTERFACE = "PJSIP/agent1002"


async def _wait(predicate, timeout: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def _members(client: AmiClient) -> list[tuple[str, bool, str]]:
    return [(e.queue, e.paused, e.reason) for e in await client.queue_status("l1")
            if isinstance(e, QueueMember) and e.interface == INTERFACE]


async def test_database_away_touches_nothing_and_an_unmanaged_agent_is_left_alone(test_settings, asterisk) -> None:
    client = AmiClient(test_settings.ami_host, test_settings.ami_port, test_settings.ami_username,
                       test_settings.ami_secret.get_secret_value(), events=SUBSCRIBED_EVENTS)
    live = LiveState(system_clock)
    client.add_resync_listener(live.resync)
    client.add_listener(live.apply)
    dead_url = f"postgresql+asyncpg://allo:nothing@127.0.0.1:{free_port()}/allo"
    dead = create_async_engine(dead_url, connect_args={"timeout": 1})
    real = make_engine(test_settings, pool_size=1)
    await client.start()
    try:
        await client.wait_ready(15)
        await client.queue_add("l1", INTERFACE, "agent1002", paused=True)
        await client.queue_pause("l1", INTERFACE, True, "formation")
        await _wait(lambda: INTERFACE in live.queues["l1"].members, 5, "member in the live state")
        before = await _members(client)
        assert before == [("l1", True, "formation")]

        metrics = Metrics()
        away = AgentOperations(dead, client, live, db_timeout=1.0)
        reconciler = AgentReconciler(away, dead_url, metrics, interval=60, read_timeout=1.0)
        assert await reconciler.reconcile() == 0
        assert metrics.agent_reconcile_runs.labels("skipped")._value.get() == 1
        with pytest.raises(NotRecorded):
            await perform(away, "agent1002", AgentAction.LOGOUT, source=StateSource.API, actor="test")
        with pytest.raises(NotRecorded):
            await perform(away, "agent1002", AgentAction.RESUME, source=StateSource.API, actor="test")
        assert await _members(client) == before  # neither the round nor the refused actions touched Asterisk

        # PostgreSQL up, no desired state for agent1002 (allo never acted for it): a round leaves it as it is.
        up = AgentReconciler(AgentOperations(real, client, live), test_settings.asyncpg_dsn, metrics, interval=60)
        assert await up.reconcile() == 0
        assert await _members(client) == before
    finally:
        await client.queue_remove("l1", INTERFACE)
        await client.stop()
        await dead.dispose()
        await real.dispose()
