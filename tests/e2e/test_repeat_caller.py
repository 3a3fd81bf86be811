"""Repeat caller -> same adviser: with two advisers on l1 (strategy leastrecent), a caller back within the window
is offered first to the adviser of their previous call; window 0 or that adviser unavailable: the queue as usual."""

from __future__ import annotations

import asyncio
import time

import pytest

from allo.db.models import CallOutcome
from allo.setup import sipp
from tests.e2e.agent_kit import register_phone, wait_member
from tests.e2e.e2e_rows import wait_call_row, wait_history

pytestmark = pytest.mark.e2e

ADVISERS = ("agent1001", "agent1002")


def _restart(service, env: dict[str, str]) -> None:
    service.stop()
    service.fixed_now = service.DEFAULT_NOW
    service.env = env
    service.start()


async def _call(settings, caller: str):
    since = time.time()
    result = await asyncio.to_thread(sipp.citizen(settings.sip_port, caller=caller, keys="1").run)
    assert result.ok, result.log
    return await wait_call_row(settings, since=since - 0.5, until=CallOutcome.COMPLETED, timeout=20)


async def test_repeat_caller_is_offered_to_the_same_adviser_first(test_settings, running_service, ami_watch,
                                                                  demo_passwords):
    phones = {}
    for username in ADVISERS:
        port = await register_phone(test_settings, username, demo_passwords[username])
        await ami_watch.client.queue_add("l1", f"PJSIP/{username}", username)
        phones[username] = sipp.agent(test_settings.sip_port, port, calls=10, talk_ms=500).start()
    caller = f"0655{int(time.time()) % 1_000_000:06d}"  # no earlier call of this run may have used it
    try:
        first = await _call(test_settings, caller)
        assert first.agent in ADVISERS and not first.preferred_agent
        other = next(a for a in ADVISERS if a != first.agent)
        for _ in range(2):  # leastrecent alone would now pick the other adviser
            again = await _call(test_settings, caller)
            assert (again.agent, again.preferred_agent) == (first.agent, True)
            assert "repeat caller: " + first.agent in (again.menu_trace or "")
            # Rung outside the queue, the adviser still gets the wrap-up (docs/desk.md), lifted at the deadline.
            await wait_history(test_settings, again.call_id, [("wrapup_start", "system"), ("wrapup_end", "system")])

        _restart(running_service, {"ALLO_REPEAT_CALLER_DAYS": "0"})
        off = await _call(test_settings, caller)
        assert (off.agent, off.preferred_agent) == (other, False)

        _restart(running_service, {})
        latest = off.agent  # the adviser of the caller's last call is now `other`: make them unavailable
        await ami_watch.client.queue_pause("l1", f"PJSIP/{latest}", True, "formation")
        # The service learns it from the QueueMemberPause event: the next call must be planned knowing it.
        await wait_member(running_service, "l1", f"PJSIP/{latest}", paused=True)
        busy = await _call(test_settings, caller)
        assert (busy.agent, busy.preferred_agent) == (first.agent, False)
        assert f"repeat caller: {latest} not available" in (busy.menu_trace or "")
    finally:
        for username, phone in phones.items():
            phone.stop()
            await ami_watch.client.queue_remove("l1", f"PJSIP/{username}")
