"""The caller's experience in the queue with real calls: announcement, abandon, max wait, exit key, callbacks."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from acd.ami.events import AgentConnect, QueueCallerAbandon, QueueCallerJoin, QueueCallerLeave
from allo.auth.roles import Role
from allo.db.callback_models import Callback
from allo.db.models import Call, CallOutcome, LegOutcome
from allo.setup import sipp
from tests.e2e.agent_kit import register_phone
from tests.e2e.e2e_rows import wait_call_row
from tests.e2e.queue_kit import paris_day, published_queue, queue_policy, queue_view, recent_waits, wait_legs

pytestmark = pytest.mark.e2e

WAITING = "allo/file/"  # every prompt of the wait announcement
# Callbacks booked here are checked then cancelled; meanwhile the callback service must not put anyone in the
# queues these tests watch: its calls go nowhere (an unknown endpoint fails at once) and are not retried.
QUIET_CALLBACKS = {"ALLO_CALLBACK_DIAL": "PJSIP/allo-test-nowhere/sip:{number}@127.0.0.1:9",
                   "ALLO_CALLBACK_RETRY_MINUTES": "600",
                   "ALLO_QUEUE_FIGURES_INTERVAL": "1"}  # recent waits re-read every second


@pytest.fixture
def queue_service(allo_service):
    """The service at the default routing time, with the callback scheduler quiet."""
    if allo_service.fixed_now != allo_service.DEFAULT_NOW or allo_service.env != QUIET_CALLBACKS:
        allo_service.stop()
        allo_service.fixed_now = allo_service.DEFAULT_NOW
        allo_service.env = dict(QUIET_CALLBACKS)
    if allo_service.proc is None or allo_service.proc.poll() is not None:
        allo_service.start()
    return allo_service


async def _booked_callback(settings, service, call_id: str) -> Callback:
    """The callback row booked by this call, then cancelled through the API (its waiting leg leaves the queue)."""
    engine = create_async_engine(settings.sqlalchemy_url)
    try:
        for _ in range(50):
            async with engine.connect() as conn:
                row = (await conn.execute(select(Callback).where(Callback.call_id == call_id))).first()
            if row is not None:
                async with httpx.AsyncClient(base_url=service.base_url, headers=service.headers(Role.SUPERVISOR),
                                             timeout=10) as client:
                    cancelled = await client.delete(f"/api/callbacks/{row.public_id}")
                assert cancelled.status_code == 200, cancelled.text
                return row  # type: ignore[return-value]
            await asyncio.sleep(0.1)
    finally:
        await engine.dispose()
    raise AssertionError(f"no callback booked for {call_id}")


async def test_abandon_while_waiting_is_recorded_with_its_wait(test_settings, queue_service, ami_watch):
    day_before = paris_day()
    before = (await queue_view(queue_service, "l1"))["today"]["abandoned"]
    # The citizen's own phone hangs up (BYE) 14 s after pressing 1, while waiting: nobody is logged in to l1.
    citizen = sipp.citizen_hanging_up(test_settings.sip_port, caller="0655100001", keys="1", after_ms=14000).start()
    try:
        joined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1", timeout=40)
        joined_at = time.monotonic()
        await ami_watch.wait_for(QueueCallerAbandon, lambda e: e.uniqueid == joined.uniqueid, timeout=30)
        waited = time.monotonic() - joined_at
        assert (await asyncio.to_thread(citizen.wait, 20)).ok
    finally:
        citizen.stop()
    assert waited > 1, waited
    legs = await wait_legs(test_settings, joined.uniqueid, lambda legs: legs and legs[-1].outcome != "waiting")
    assert [leg.outcome for leg in legs] == [LegOutcome.ABANDONED]
    assert abs(legs[0].wait_seconds - waited) <= 2, (legs[0].wait_seconds, waited)
    assert legs[0].queue == "l1" and legs[0].position == 1 and legs[0].left_at is not None
    row = await wait_call_row(test_settings, joined.uniqueid, until=CallOutcome.ABANDONED)
    # Nobody logged in: no estimate (nobody could answer); the position and the exit key are said before the join,
    # then repeated while waiting.
    trace = row.menu_trace or ""
    assert "position and estimate repeated every 60 s while waiting" in trace and "attente-" not in trace, trace
    assert "played=allo/bienvenue,allo/mise-en-relation,allo/file/prochain,allo/file/touche-rappel;" in trace, trace
    after = (await queue_view(queue_service, "l1"))["today"]["abandoned"]
    if paris_day() == day_before:
        assert after == before + 1
    else:  # Paris midnight passed during the test (seen in a run at 23:0x UTC): "today" started again
        assert after == (1 if paris_day(legs[0].joined_at) == paris_day() else 0)


async def test_a_caller_who_must_wait_hears_position_and_estimate(test_settings, queue_service, ami_watch,
                                                                  l1_agent):
    # Callers waited 4 minutes this past hour: the second caller (position 1 behind a busy adviser) is told so.
    # (When the estimate is under 30 s nothing is said: ivr/wait_speech.py, unit-tested.)
    answering = l1_agent.answer(calls=2, talk_ms=9000)
    async with recent_waits(test_settings, queue_service, "l1", wait_s=240):
        await _busy_adviser_then_a_second_caller(test_settings, ami_watch, answering)


async def _busy_adviser_then_a_second_caller(test_settings, ami_watch, answering):
    first = sipp.citizen(test_settings.sip_port, caller="0655100002", keys="1").start()
    try:
        joined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1", timeout=40)
        await ami_watch.wait_for(AgentConnect, lambda e: e.uniqueid == joined.uniqueid)
        seen_before = len(ami_watch.events)
        second = await asyncio.to_thread(sipp.citizen(test_settings.sip_port, caller="0655100003", keys="1").run)
        assert second.ok, second.log
        assert (await asyncio.to_thread(first.wait, 20)).ok
        assert (await asyncio.to_thread(answering.wait, 20)).ok
    finally:
        first.stop()
        answering.stop()
    served_at_once = await wait_call_row(test_settings, joined.uniqueid, until=CallOutcome.COMPLETED)
    assert WAITING not in (served_at_once.menu_trace or "")  # an adviser was free: nothing to announce
    # The second caller's own row (not "the latest completed call": an earlier test's may end meanwhile).
    (second_join,) = [e for e in ami_watch.events[seen_before:] if isinstance(e, QueueCallerJoin) and e.queue == "l1"]
    waited = await wait_call_row(test_settings, second_join.uniqueid, until=CallOutcome.COMPLETED)
    assert waited.call_id != joined.uniqueid
    played = (waited.menu_trace or "").split(";")[0]
    # allo says the position, its estimate and the exit key before the join (then again while waiting).
    assert "allo/file/prochain,allo/file/attente-" in played, played
    assert played.endswith("allo/file/minutes,allo/file/touche-rappel"), played


async def test_max_wait_overflows_to_the_configured_queue(test_settings, queue_service, ami_watch,
                                                          demo_passwords):
    username = "agent2002"  # serves l2-interieur
    port = await register_phone(test_settings, username, demo_passwords[username])
    await ami_watch.client.queue_add("l2-interieur", f"PJSIP/{username}", username)
    answering = sipp.agent(test_settings.sip_port, port, talk_ms=500).start()
    try:
        async with queue_policy(test_settings, queue_service, "l1", max_wait=2, on_max_wait="overflow",
                                overflow_queue="l2-interieur"):
            citizen = await asyncio.to_thread(sipp.citizen(test_settings.sip_port, caller="0655100004",
                                                           keys="1").run)
            assert citizen.ok, citizen.log
            assert (await asyncio.to_thread(answering.wait, 20)).ok
    finally:
        answering.stop()
        await ami_watch.client.queue_remove("l2-interieur", f"PJSIP/{username}")
    first = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1")
    moved = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.uniqueid == first.uniqueid
                                     and e.queue == "l2-interieur")
    connected = await ami_watch.wait_for(AgentConnect, lambda e: e.uniqueid == moved.uniqueid)
    assert connected.queue == "l2-interieur" and connected.member_name == username
    legs = await wait_legs(test_settings, first.uniqueid, lambda legs: len(legs) == 2 and legs[1].outcome != "waiting")
    assert [(leg.queue, leg.outcome, leg.end_reason) for leg in legs] == [
        ("l1", LegOutcome.OVERFLOW, "max_wait"), ("l2-interieur", LegOutcome.ANSWERED, None)]
    assert 1 <= legs[0].wait_seconds <= 5


async def test_max_wait_offers_a_callback_and_books_it(test_settings, queue_service, ami_watch):
    async with queue_policy(test_settings, queue_service, "l1", max_wait=2, on_max_wait="callback"):
        # 1: general question; 1 again, ~20 s later, while the offer is said: "call me back on this number".
        citizen = await asyncio.to_thread(sipp.citizen(test_settings.sip_port, caller="0655100005",
                                                       keys="1@1500,1@20000").run)
    assert citizen.ok, citizen.log  # Asterisk hung up after the confirmation
    joined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1")
    booked = await _booked_callback(test_settings, queue_service, joined.uniqueid)
    assert booked.queue == "l1" and booked.origin == "queue" and booked.phone_cipher is not None
    legs = await wait_legs(test_settings, joined.uniqueid, lambda legs: legs and legs[-1].outcome == "callback")
    assert [(leg.outcome, leg.end_reason) for leg in legs] == [(LegOutcome.CALLBACK, "max_wait")]
    row = await wait_call_row(test_settings, joined.uniqueid, until=CallOutcome.CALLBACK)
    assert row.end_reason == "callback" and "0655100005" not in repr(tuple(row))


async def test_exit_key_9_asks_for_a_callback(test_settings, queue_service, ami_watch):
    citizen = await asyncio.to_thread(sipp.citizen(test_settings.sip_port, caller="0655100006",
                                                   keys="1@1500,9@15000,1@8000").run)
    assert citizen.ok, citizen.log
    joined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1")
    booked = await _booked_callback(test_settings, queue_service, joined.uniqueid)
    assert booked.origin == "queue"
    legs = await wait_legs(test_settings, joined.uniqueid, lambda legs: legs and legs[-1].outcome == "callback")
    assert [(leg.outcome, leg.end_reason) for leg in legs] == [(LegOutcome.CALLBACK, "exit_key")]


async def test_menu_option_5_books_a_callback_from_the_menu(test_settings, queue_service, ami_watch):
    # 5 in the main menu, then 1: "call me back on the number I am calling from".
    started = time.time()
    citizen = await asyncio.to_thread(sipp.citizen(test_settings.sip_port, caller="0655100009",
                                                   keys="5@1500,1@3000").run)
    assert citizen.ok, citizen.log  # Asterisk hung up after the confirmation
    # The latest row may be the callback's own leg (already waiting in l1): the citizen's call is the 3939 one.
    engine = create_async_engine(test_settings.sqlalchemy_url)
    try:
        async with engine.connect() as conn:
            call_id = (await conn.execute(select(Call.call_id).where(
                Call.dialled == "3939", Call.started_at > datetime.fromtimestamp(started, UTC))
                .order_by(Call.started_at.desc()).limit(1))).scalar_one()
    finally:
        await engine.dispose()
    row = await wait_call_row(test_settings, call_id, until=CallOutcome.CALLBACK)
    booked = await _booked_callback(test_settings, queue_service, row.call_id)
    assert booked.origin == "menu" and booked.queue == "l1" and booked.phone_cipher is not None
    assert booked.original_arrival <= booked.created_at
    assert row.route_queue is None and "0655100009" not in repr(tuple(row))
    assert not any(isinstance(e, QueueCallerJoin) and e.uniqueid == row.call_id for e in ami_watch.events)


async def test_exit_key_then_keep_waiting_keeps_the_place_and_is_answered(test_settings, queue_service,
                                                                          ami_watch, demo_passwords):
    username = "agent1002"
    port = await register_phone(test_settings, username, demo_passwords[username])
    # A joins first; B a few seconds later. A presses 9, then 3 ("keep waiting"), and must come back first.
    first = sipp.citizen(test_settings.sip_port, caller="0655100007", keys="1@1500,9@18000,3@6000").start()
    await asyncio.sleep(2)
    second = sipp.citizen(test_settings.sip_port, caller="0655100008", keys="1").start()
    answering = None
    try:
        a = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1" and e.channel.startswith("PJSIP/trunk"),
                                     timeout=40)
        b = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1" and e.uniqueid != a.uniqueid)
        after_b = ami_watch.index_of(b)
        back = await ami_watch.wait_for(
            QueueCallerJoin, lambda e: e.uniqueid == a.uniqueid and ami_watch.index_of(e) > after_b, timeout=40)
        left = next(e for e in ami_watch.events if isinstance(e, QueueCallerLeave) and e.uniqueid == a.uniqueid)
        assert back.position == left.position < b.position  # where A was, ahead of B again
        await ami_watch.client.queue_add("l1", f"PJSIP/{username}", username)
        answering = sipp.agent(test_settings.sip_port, port, calls=2, talk_ms=500).start()
        connected = await ami_watch.wait_for(AgentConnect, lambda e: e.uniqueid in {a.uniqueid, b.uniqueid})
        assert connected.uniqueid == a.uniqueid
        assert (await asyncio.to_thread(first.wait, 30)).ok
        assert (await asyncio.to_thread(second.wait, 30)).ok
    finally:
        first.stop()
        second.stop()
        if answering is not None:
            answering.stop()
        await ami_watch.client.queue_remove("l1", f"PJSIP/{username}")
    legs = await wait_legs(test_settings, a.uniqueid, lambda legs: len(legs) == 2 and legs[1].outcome != "waiting")
    assert [(leg.outcome, leg.end_reason) for leg in legs] == [(LegOutcome.LEFT, "exit_key"),
                                                               (LegOutcome.ANSWERED, None)]
    assert legs[1].position == 1


async def test_a_caller_arriving_over_the_threshold_is_offered_a_callback_before_joining(
        test_settings, queue_service, asterisk, ami_watch):
    # l1 offers at entry from 1 caller waiting; nobody is logged in, so the first caller waits.
    async with published_queue(queue_service, asterisk, "l1", offer_at_waiting=1):
        first = sipp.citizen(test_settings.sip_port, caller="0655100010", keys="1").start()
        try:
            waiting = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1", timeout=40)
            started = datetime.now(UTC)
            # 1: general question; 9 while "L'attente est importante. Pour être rappelé, tapez 9 ; ..." is said;
            # then 1: "call me back on this number".
            second = await asyncio.to_thread(sipp.citizen(test_settings.sip_port, caller="0655100011",
                                                          keys="1@1500,9@5000,1@3000").run)
            assert second.ok, second.log  # Asterisk hung up after the confirmation
        finally:
            first.stop()
    engine = create_async_engine(test_settings.sqlalchemy_url)
    try:
        async with engine.connect() as conn:
            call_id = (await conn.execute(select(Call.call_id).where(
                Call.dialled == "3939", Call.started_at > started, Call.call_id != waiting.uniqueid)
                .order_by(Call.started_at.desc()).limit(1))).scalar_one()
    finally:
        await engine.dispose()
    row = await wait_call_row(test_settings, call_id, until=CallOutcome.CALLBACK)
    booked = await _booked_callback(test_settings, queue_service, call_id)
    assert booked.origin == "queue" and booked.queue == "l1" and booked.phone_cipher is not None
    assert "entry offer: callback (1 waiting" in (row.menu_trace or ""), row.menu_trace
    assert "entry offer: callback booked" in (row.menu_trace or ""), row.menu_trace
    assert "allo/file/attente-importante,allo/file/offre-rappel" in (row.menu_trace or ""), row.menu_trace
    assert row.end_reason == "callback" and "0655100011" not in repr(tuple(row))
    assert not any(isinstance(e, QueueCallerJoin) and e.uniqueid == call_id for e in ami_watch.events)


async def test_over_the_threshold_of_an_overflowing_queue_the_caller_joins_the_overflow_queue(
        test_settings, queue_service, asterisk, ami_watch):
    async with published_queue(queue_service, asterisk, "l1", on_max_wait="overflow", overflow_queue="l2-interieur",
                               offer_at_waiting=1):
        first = sipp.citizen(test_settings.sip_port, caller="0655100012", keys="1").start()
        second = None
        try:
            waiting = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1", timeout=40)
            second = sipp.citizen(test_settings.sip_port, caller="0655100013", keys="1").start()
            moved = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l2-interieur", timeout=40)
        finally:
            first.stop()
            if second is not None:
                second.stop()
            asterisk.cli("channel request hangup all", check=False)
    assert moved.uniqueid != waiting.uniqueid
    assert not any(isinstance(e, QueueCallerJoin) and e.uniqueid == moved.uniqueid and e.queue == "l1"
                   for e in ami_watch.events)
    row = await wait_call_row(test_settings, moved.uniqueid, until={CallOutcome.QUEUED, CallOutcome.ABANDONED})
    assert row.route_queue == "l2-interieur", row.route_queue
    assert "entry offer: overflow (1 waiting" in (row.menu_trace or ""), row.menu_trace
