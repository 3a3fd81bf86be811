"""A real SIP call to 3939: SIPp citizen -> Asterisk 22 -> FastAGI -> queue l1 -> SIPp agent."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from acd.ami.events import AgentComplete, AgentConnect, QueueCallerJoin
from allo.db.models import CallOutcome
from allo.privacy.pseudonyms import pseudonymise
from allo.setup import sipp
from tests.e2e.e2e_rows import wait_call_row
from tests.hours_kit import ALWAYS_OPEN, published

pytestmark = pytest.mark.e2e


async def test_citizen_hears_welcome_joins_l1_and_agent_answers(test_settings, running_service, ami_watch,
                                                                l1_agent):
    caller = "0612345678"
    agent = l1_agent.answer(talk_ms=1000)
    citizen = await asyncio.to_thread(sipp.citizen(test_settings.sip_port, caller=caller, keys="1").run)
    agent_result = await asyncio.to_thread(agent.wait, 20)
    assert citizen.ok, citizen.log
    assert agent_result.ok, agent_result.log

    joined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1")
    connected = await ami_watch.wait_for(AgentConnect, lambda e: e.uniqueid == joined.uniqueid)
    assert connected.queue == "l1"
    assert connected.member_name == "agent1001"
    await ami_watch.wait_for(AgentComplete, lambda e: e.uniqueid == joined.uniqueid)

    row = await wait_call_row(test_settings, joined.uniqueid, until=CallOutcome.COMPLETED)
    assert row.route_queue == "l1"
    assert row.agent == "agent1001"
    assert row.menu_trace is not None and "played=allo/bienvenue,allo/mise-en-relation" in row.menu_trace
    assert row.trace is not None and row.trace[-1] == "-> queue l1"
    assert row.keys == "1"
    assert row.answered_at is not None and row.queue_joined_at is not None
    assert timedelta(0) <= row.answered_at - row.queue_joined_at < timedelta(seconds=10)
    # Anonymity: the number is never stored, only its keyed pseudonym.
    assert row.caller_hash == pseudonymise(test_settings.pseudonym_key.get_secret_value().encode(), caller)
    assert caller not in repr(tuple(row))


async def test_call_reaches_l1_when_fastagi_is_down_in_opening_hours(test_settings, running_service, asterisk,
                                                                      ami_watch, l1_agent):
    # The dialplan's fallback follows the real clock (docs/degraded-mode.md): open whenever CI runs.
    with published(running_service, asterisk, ALWAYS_OPEN, "test: toujours ouvert"):
        assert running_service.stop() == 0  # a clean drain-and-exit on SIGTERM
        agent = l1_agent.answer(talk_ms=500)
        citizen = await asyncio.to_thread(sipp.citizen(test_settings.sip_port, caller="0611111111").run)
        agent_result = await asyncio.to_thread(agent.wait, 20)
        assert citizen.ok, citizen.log
        assert agent_result.ok, agent_result.log
        joined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1")
        connected = await ami_watch.wait_for(AgentConnect, lambda e: e.uniqueid == joined.uniqueid)
        assert connected.member_name == "agent1001"
