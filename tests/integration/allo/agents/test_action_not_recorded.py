"""An adviser action whose commit PostgreSQL refuses after Asterisk carried it out is undone on this node and says
so (docs/agents.md: never half-done silently). The refusal is PostgreSQL's own: a deferred constraint trigger that
fails at commit for one pause reason."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from acd.agents import AgentAction
from acd.ami.client import AmiClient
from acd.ami.events import SUBSCRIBED_EVENTS, QueueMember, QueueMemberPause
from acd.live.state import LiveState, system_clock
from allo.agents.operations import AgentOperations, NotRecorded, perform
from allo.db.desk_models import StateSource
from allo.db.engine import make_engine

pytestmark = pytest.mark.integration

AGENT, INTERFACE = "agent1002", "PJSIP/agent1002"  # serves l1
REFUSED = "refus-au-commit"
TRIGGER = f"""
CREATE FUNCTION test_refuse_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.pause_reason = '{REFUSED}' THEN RAISE EXCEPTION 'refused at commit'; END IF;
  RETURN NEW;
END $$;
CREATE CONSTRAINT TRIGGER test_refuse_commit AFTER UPDATE ON agent_presence DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION test_refuse_commit();
"""
DROP = "DROP TRIGGER IF EXISTS test_refuse_commit ON agent_presence; DROP FUNCTION IF EXISTS test_refuse_commit();"


async def _sql(dsn: str, statement: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        return await conn.fetch(statement, *args) if args else [await conn.execute(statement)]
    finally:
        await conn.close()


async def _l1_member(client: AmiClient) -> list[tuple[bool, str]]:
    return [(e.paused, e.reason) for e in await client.queue_status("l1")
            if isinstance(e, QueueMember) and e.interface == INTERFACE]


async def _until(check, expected, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while (seen := await check()) != expected:
        assert asyncio.get_running_loop().time() < deadline, f"saw {seen}, wanted {expected}"
        await asyncio.sleep(0.05)


async def test_a_commit_refused_after_asterisk_acted_is_undone_here_and_reported(test_settings, asterisk) -> None:
    dsn = test_settings.asyncpg_dsn
    client = AmiClient(test_settings.ami_host, test_settings.ami_port, test_settings.ami_username,
                       test_settings.ami_secret.get_secret_value(), events=SUBSCRIBED_EVENTS)
    live = LiveState(system_clock)
    client.add_resync_listener(live.resync)
    client.add_listener(live.apply)
    pauses: list[tuple[bool, str]] = []
    client.add_listener(lambda e: pauses.append((e.paused, e.reason))
                        if isinstance(e, QueueMemberPause) and e.interface == INTERFACE else None)
    engine = make_engine(test_settings, pool_size=1)
    agents = AgentOperations(engine, client, live)
    await client.start()
    try:
        await client.wait_ready(15)
        await perform(agents, AGENT, AgentAction.LOGIN, source=StateSource.API, actor="test")
        await _until(lambda: _l1_member(client), [(False, "")])
        await _sql(dsn, TRIGGER)
        with pytest.raises(NotRecorded):
            await perform(agents, AGENT, AgentAction.PAUSE, source=StateSource.API, actor="test", reason=REFUSED)
        # Asterisk paused the adviser, PostgreSQL refused the commit: the pause was undone on this node.
        await _until(lambda: _l1_member(client), [(False, "")])
        paused_at = pauses.index((True, REFUSED))
        assert (False, "") in pauses[paused_at + 1:], pauses
        rows = await _sql(dsn, "SELECT p.logged_in, p.paused, p.pause_reason FROM agent_presence p "
                               "JOIN agents a ON a.id = p.agent_id WHERE a.username = $1", AGENT)
        assert [tuple(r) for r in rows] == [(True, False, "")]
        history = await _sql(dsn, "SELECT count(*) AS n FROM agent_state_events WHERE reason = $1", REFUSED)
        assert history[0]["n"] == 0
    finally:
        await _sql(dsn, DROP)
        await perform(agents, AGENT, AgentAction.LOGOUT, source=StateSource.API, actor="test")
        await client.stop()
        await engine.dispose()
