"""A callback asked for while waiting keeps the caller's place: served before a caller who arrived later."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from acd.ami.events import AgentConnect, QueueCallerJoin
from allo.db.callback_models import Callback, CallbackStatus
from allo.setup import sipp
from tests.e2e.agent_kit import register_phone
from tests.e2e.callback_kit import CitizenPhones, wait_status

pytestmark = pytest.mark.e2e


@pytest.fixture
def phones(test_settings, tmp_path) -> Iterator[CitizenPhones]:
    phones = CitizenPhones(test_settings.sip_port, sipp.free_port(), tmp_path / "citizen-phones.log").start()
    yield phones
    phones.stop()


@pytest.fixture
def order_service(allo_service, phones):
    """`allo serve` calling citizens back on the SIPp phones, at the default (open) routing time."""
    env = {"ALLO_CALLBACK_DIAL": f"PJSIP/trunk/sip:{{number}}@127.0.0.1:{phones.sipp.port}",
           "ALLO_CALLBACK_POLL_INTERVAL": "0.3"}
    allo_service.stop()
    allo_service.env = env
    allo_service.fixed_now = allo_service.DEFAULT_NOW
    allo_service.start()
    return allo_service


async def _callback_of(settings, call_id: str) -> Callback:
    engine = create_async_engine(settings.sqlalchemy_url)
    try:
        for _ in range(100):
            async with engine.connect() as conn:
                row = (await conn.execute(select(Callback).where(Callback.call_id == call_id))).first()
            if row is not None:
                return row  # type: ignore[return-value]
            await asyncio.sleep(0.2)
    finally:
        await engine.dispose()
    raise AssertionError(f"no callback booked by call {call_id}")


async def test_callback_from_the_queue_is_served_before_a_later_caller(
        test_settings, order_service, ami_watch, demo_passwords, phones):
    username = "agent1002"
    interface = f"PJSIP/{username}"
    port = await register_phone(test_settings, username, demo_passwords[username])
    # The only adviser of l1 is logged in but paused: callers wait.
    await ami_watch.client.queue_add("l1", interface, username, paused=True)
    # A: general question, waits, presses 9, then 1 "call me back on this number" (its caller id).
    first = sipp.citizen(test_settings.sip_port, caller="0655200001", keys="1@1500,9@15000,1@8000").start()
    second: sipp.Sipp | None = None
    answering: sipp.Sipp | None = None
    try:
        a = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1", timeout=40)
        await asyncio.sleep(2)
        # B arrives after A and stays on the line.
        second = sipp.citizen(test_settings.sip_port, caller="0655200002", keys="1").start()
        b = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1" and e.uniqueid != a.uniqueid
                                     and not e.channel.startswith("Local/"), timeout=40)
        assert (await asyncio.to_thread(first.wait, 40)).ok  # A hung up by Asterisk after the confirmation
        booked = await _callback_of(test_settings, a.uniqueid)
        assert booked.origin == "queue" and booked.original_arrival < booked.created_at
        # The callback waits in l1 for an adviser, at A's place: ahead of B.
        held = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1" and e.channel.startswith("Local/"),
                                        timeout=20)
        assert held.position == 1, (held.position, held.count)
        # The adviser frees up: the callback is served first, the citizen's phone rings, then B.
        answering = sipp.agent(test_settings.sip_port, port, calls=2, talk_ms=6000).start()
        await ami_watch.client.queue_pause("l1", interface, False)
        served = await ami_watch.wait_for(AgentConnect, lambda e: e.uniqueid in {held.uniqueid, b.uniqueid},
                                          timeout=20)
        assert served.uniqueid == held.uniqueid
        await phones.wait_invites("0655200001", 1, timeout=20)
        later = await ami_watch.wait_for(AgentConnect, lambda e: e.uniqueid == b.uniqueid, timeout=40)
        assert ami_watch.index_of(later) > ami_watch.index_of(served)
        assert (await asyncio.to_thread(second.wait, 30)).ok
        row, _attempts = await wait_status(test_settings, str(booked.public_id), CallbackStatus.DONE)
        assert row.phone_cipher is None
        assert len(phones.invites()["0655200001"]) == 1
    finally:
        first.stop()
        if second is not None:
            second.stop()
        if answering is not None:
            answering.stop()
        await ami_watch.client.queue_remove("l1", interface)
