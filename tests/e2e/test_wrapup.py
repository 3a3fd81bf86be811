"""The wrap-up owned by allo, with real calls on Asterisk 22 (docs/desk.md "Wrap-up"): the adviser is paused
`apres-appel/0/<call>` as soon as they answer (the call goes on undisturbed), the reason gets the deadline at the
hang-up (QueuePause on a paused member replaces its reason), and the pause is lifted when the wrap-up is saved or
at the deadline; an own pause is never lifted; a stale wrap-up pause (what a restart of allo leaves) is lifted by
the reconciler."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import create_async_engine

from acd.ami.events import AgentComplete, AgentConnect, QueueCallerJoin, QueueMemberPause
from acd.wrapup import parse_wrapup_reason
from allo.auth.roles import Role
from allo.db.desk_models import AgentStateEvent, CallWrapup
from allo.db.models import Queue
from allo.setup import sipp
from tests.e2e.agent_kit import wait_member
from tests.e2e.queue_kit import queue_view
from tests.integration.allo.desk.desk_kit import adviser_headers

pytestmark = pytest.mark.e2e

AGENT = "agent1001"
INTERFACE = f"PJSIP/{AGENT}"


@asynccontextmanager
async def l1_wrapup(settings, service, seconds: int) -> AsyncIterator[None]:
    """l1's wrap-up time changed in PostgreSQL (as ops would), in force in the service, then restored."""
    engine = create_async_engine(settings.sqlalchemy_url)

    async def apply(value: int) -> None:
        async with engine.begin() as conn:
            await conn.execute(update(Queue).where(Queue.name == "l1").values(wrapup_time=value))
        deadline = time.monotonic() + 10
        while (await queue_view(service, "l1")).get("wrapup_s") != value:
            assert time.monotonic() < deadline, "wrap-up time of l1 not picked up"
            await asyncio.sleep(0.1)

    async with engine.connect() as conn:
        before = await conn.scalar(select(Queue.wrapup_time).where(Queue.name == "l1"))
    try:
        await apply(seconds)
        yield
    finally:
        await apply(before)
        await engine.dispose()


async def answered_call(settings, ami_watch, l1_agent, caller: str, talk_ms: int,
                        before: str = "") -> tuple[sipp.Sipp, sipp.Sipp, str]:
    """A citizen in l1 answered by agent1001, who hangs up after `talk_ms`; (citizen, adviser, call id).
    `before`: the call id of the test's previous call, whose events are not this one's."""
    adviser = l1_agent.answer(talk_ms=talk_ms)
    citizen = sipp.citizen(settings.sip_port, caller=caller, keys="1").start()
    joined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1" and e.uniqueid != before,
                                      timeout=60)
    await ami_watch.wait_for(AgentConnect, lambda e: e.uniqueid == joined.uniqueid and e.member_name == AGENT)
    return citizen, adviser, joined.uniqueid


async def ended(ami_watch, citizen: sipp.Sipp, adviser: sipp.Sipp, call_id: str) -> None:
    """The call ended normally for both: pausing the adviser during it disturbed nothing."""
    await ami_watch.wait_for(AgentComplete, lambda e: e.uniqueid == call_id, timeout=30)
    for party in (citizen, adviser):
        result = await asyncio.to_thread(party.wait, 20)
        assert result.ok, result.log


async def history(settings, call_id: str) -> list[tuple[str, str]]:
    engine = create_async_engine(settings.sqlalchemy_url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(select(AgentStateEvent.state, AgentStateEvent.source).where(
                AgentStateEvent.call_id == call_id).order_by(AgentStateEvent.id))).all()
        return [(row.state, row.source) for row in rows]
    finally:
        await engine.dispose()


async def wrapup_row(settings, call_id: str):
    engine = create_async_engine(settings.sqlalchemy_url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(select(CallWrapup).where(CallWrapup.call_id == call_id))).one()
    finally:
        await engine.dispose()


async def test_paused_during_the_call_deadline_at_the_end_lifted_when_saved_then_the_next_call(
        test_settings, running_service, ami_watch, l1_agent):
    headers = adviser_headers(running_service, "wrap1001", AGENT)
    async with l1_wrapup(test_settings, running_service, 120):  # only the save can lift it within the test
        citizen, adviser, call_id = await answered_call(test_settings, ami_watch, l1_agent, "0657000001", 3000)
        during = await wait_member(running_service, "l1", INTERFACE, paused=True, reason=f"apres-appel/0/{call_id}")
        assert during["in_call"]
        await ended(ami_watch, citizen, adviser, call_id)
        end = time.time()
        member = await _reason_with_deadline(running_service, call_id)
        deadline = parse_wrapup_reason(member["reason"]).deadline
        assert end + 117 <= deadline <= end + 121  # the end + l1's wrap-up time
        async with httpx.AsyncClient(base_url=running_service.base_url, headers=headers, timeout=10) as client:
            saved = await client.post(f"/api/desk/calls/{call_id}/wrapup",
                                      json={"reason_kind": "list", "reason_code": "suivi-dossier",
                                            "outcome": "answered"})
        assert saved.status_code == 200, saved.text
        assert saved.json()["pause_lifted"] is True
        await wait_member(running_service, "l1", INTERFACE, paused=False, timeout=2)
        assert await history(test_settings, call_id) == [("wrapup_start", "system"), ("wrapup_end", "desk")]
        row = await wrapup_row(test_settings, call_id)
        assert row.call_ended_at is not None and row.done_at is not None and not row.expired and row.level == 1
        # The adviser is offered the next call at once.
        citizen, adviser, second = await answered_call(test_settings, ami_watch, l1_agent, "0657000002", 500,
                                                       before=call_id)
        await ended(ami_watch, citizen, adviser, second)


async def _reason_with_deadline(service, call_id: str, timeout: float = 5) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        member = await wait_member(service, "l1", INTERFACE)
        pause = parse_wrapup_reason(member["reason"])
        if member["paused"] and pause is not None and pause.call_id == call_id and pause.deadline > 0:
            return member
        assert time.monotonic() < deadline, f"no wrap-up deadline for {call_id}: {member}"
        await asyncio.sleep(0.1)


async def test_without_a_wrapup_the_pause_is_lifted_at_the_deadline_and_kept_as_expired(
        test_settings, running_service, ami_watch, l1_agent):
    async with l1_wrapup(test_settings, running_service, 3):
        citizen, adviser, call_id = await answered_call(test_settings, ami_watch, l1_agent, "0657000003", 1000)
        await ended(ami_watch, citizen, adviser, call_id)
        member = await _reason_with_deadline(running_service, call_id)
        deadline = parse_wrapup_reason(member["reason"]).deadline
        await wait_member(running_service, "l1", INTERFACE, paused=False, timeout=10)
        lifted = time.time()
        assert deadline - 0.5 <= lifted <= deadline + 2.5, (deadline, lifted)
        assert await history(test_settings, call_id) == [("wrapup_start", "system"), ("wrapup_end", "system")]
        row = await wrapup_row(test_settings, call_id)
        assert row.expired and row.done_at is None


async def test_an_own_pause_during_the_call_is_never_lifted(test_settings, running_service, ami_watch, l1_agent):
    async with l1_wrapup(test_settings, running_service, 2):
        citizen, adviser, call_id = await answered_call(test_settings, ami_watch, l1_agent, "0657000004", 3000)
        await wait_member(running_service, "l1", INTERFACE, paused=True, reason=f"apres-appel/0/{call_id}")
        # What *13 on the phone does: its own reason replaces the wrap-up one.
        await ami_watch.client.queue_pause(None, INTERFACE, True, "telephone")
        await wait_member(running_service, "l1", INTERFACE, paused=True, reason="telephone")
        await ended(ami_watch, citizen, adviser, call_id)
        # Past the deadline (2 s) and two rounds of the reconciler (2 s each): still their own pause.
        watch_until = time.monotonic() + 6
        while time.monotonic() < watch_until:
            member = await wait_member(running_service, "l1", INTERFACE)
            assert member["paused"] and member["reason"] == "telephone", member
            await asyncio.sleep(0.2)
        assert ("wrapup_end", "system") not in await history(test_settings, call_id)
        await ami_watch.client.queue_pause(None, INTERFACE, False)


@pytest.mark.parametrize("stale", ["apres-appel/{past}/stale.1", "apres-appel/0/stale.2"])
async def test_a_stale_wrapup_pause_left_by_a_restart_is_lifted_by_the_reconciler(
        stale, test_settings, running_service, ami_watch, l1_agent):
    reason = stale.format(past=int(time.time()) - 30)  # a deadline passed, or "in a call" with no call
    await ami_watch.client.queue_pause(None, INTERFACE, True, reason)
    paused = await ami_watch.wait_for(QueueMemberPause, lambda e: e.interface == INTERFACE and e.reason == reason)
    at = time.monotonic()
    after = ami_watch.index_of(paused)
    await ami_watch.wait_for(QueueMemberPause, lambda e: e.interface == INTERFACE and not e.paused
                             and ami_watch.index_of(e) > after, timeout=8)
    assert time.monotonic() - at < 5  # one reconciler round (2 s), with room for a busy machine
    await wait_member(running_service, "l1", INTERFACE, paused=False)
    metrics = httpx.get(f"{running_service.base_url}/metrics", headers=running_service.headers(Role.OPS), timeout=10)
    lifts = next(line for line in metrics.text.splitlines() if line.startswith("allo_wrapup_reconciler_lifts_total"))
    assert float(lifts.split()[-1]) >= 1


async def test_a_wrapup_saved_during_the_call_lifts_the_pause_at_its_end(
        test_settings, running_service, ami_watch, l1_agent):
    headers = adviser_headers(running_service, "wrap1001", AGENT)
    async with l1_wrapup(test_settings, running_service, 120):
        citizen, adviser, call_id = await answered_call(test_settings, ami_watch, l1_agent, "0657000005", 4000)
        await wait_member(running_service, "l1", INTERFACE, paused=True, reason=f"apres-appel/0/{call_id}")
        async with httpx.AsyncClient(base_url=running_service.base_url, headers=headers, timeout=10) as client:
            chosen = await client.put(f"/api/desk/calls/{call_id}/reason",
                                      json={"reason_kind": "list", "reason_code": "demarche-en-ligne"})
            assert chosen.status_code == 200, chosen.text
            saved = await client.post(f"/api/desk/calls/{call_id}/wrapup",
                                      json={"reason_kind": "list", "reason_code": "demarche-en-ligne",
                                            "outcome": "answered"})
        assert saved.status_code == 200 and saved.json()["pause_lifted"] is False  # still in the call
        member = await wait_member(running_service, "l1", INTERFACE)
        assert member["paused"] and member["reason"] == f"apres-appel/0/{call_id}"
        await ended(ami_watch, citizen, adviser, call_id)
        await wait_member(running_service, "l1", INTERFACE, paused=False, timeout=3)  # not 120 s
        assert await history(test_settings, call_id) == [("wrapup_start", "system"), ("wrapup_end", "desk")]
