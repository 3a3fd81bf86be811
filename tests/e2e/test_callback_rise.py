"""The promise kept under load: with a short promise and a saturated queue, a callback rises ahead of the callers
who were already waiting once its deadline is near, and the citizen's phone rings before the deadline."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from acd.ami.events import AgentConnect, QueueCallerJoin
from allo.auth.roles import Role
from allo.db.callback_models import CallbackStatus
from allo.setup import sipp
from tests.e2e.agent_kit import register_phone
from tests.e2e.callback_kit import CitizenPhones, callback_rows, wait_status

pytestmark = pytest.mark.e2e

PROMISE_MINUTES = 0.5  # due 30 s after booking
LEAD_MINUTES = 0.3  # rises (and is at risk) 18 s before: 12 s after booking


@pytest.fixture
def phones(test_settings, tmp_path) -> Iterator[CitizenPhones]:
    phones = CitizenPhones(test_settings.sip_port, sipp.free_port(), tmp_path / "citizen-phones.log").start()
    yield phones
    phones.stop()


def _serve(allo_service, phones, lead_minutes: float):
    allo_service.stop()
    allo_service.env = {"ALLO_CALLBACK_DIAL": f"PJSIP/trunk/sip:{{number}}@127.0.0.1:{phones.sipp.port}",
                        "ALLO_CALLBACK_POLL_INTERVAL": "0.3", "ALLO_CALLBACK_PROMISE_MINUTES": str(PROMISE_MINUTES),
                        "ALLO_CALLBACK_RISE_LEAD_MINUTES": str(lead_minutes)}
    allo_service.fixed_now = allo_service.DEFAULT_NOW
    allo_service.start()
    return allo_service


@pytest.fixture
def rise_service(allo_service, phones):
    """`allo serve` with a 30 s promise and an 18 s rise lead, calling back on the SIPp phones."""
    yield _serve(allo_service, phones, LEAD_MINUTES)
    allo_service.stop()  # the next tests get their own settings back


@pytest.fixture
def risen_service(allo_service, phones):
    """A lead longer than the promise: every callback is at risk from its booking, so it joins already risen."""
    yield _serve(allo_service, phones, PROMISE_MINUTES * 2)
    allo_service.stop()


@contextlib.asynccontextmanager
async def _saturated(test_settings, ami_watch, demo_passwords, prefix: str):
    """l1 with its only adviser paused and two callers waiting: (agent's SIP port, their QueueCallerJoin)."""
    username = "agent1002"
    interface = f"PJSIP/{username}"
    port = await register_phone(test_settings, username, demo_passwords[username])
    await ami_watch.client.queue_add("l1", interface, username, paused=True)
    callers = [sipp.citizen(test_settings.sip_port, caller=f"{prefix}{n}", keys="1", timeout_s=120).start()
               for n in range(2)]
    try:
        waiting: list[QueueCallerJoin] = []
        for _ in callers:
            waiting.append(await ami_watch.wait_for(
                QueueCallerJoin, lambda e: e.queue == "l1" and not e.channel.startswith("Local/")
                and e.uniqueid not in {w.uniqueid for w in waiting}, timeout=40))
        yield port, waiting
    finally:
        for caller in callers:
            caller.stop()
        with contextlib.suppress(Exception):
            await ami_watch.client.queue_remove("l1", interface)


async def _metric(client: httpx.AsyncClient, service, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    text = (await client.get("/metrics", headers=service.headers(Role.OPS))).text
    return {tuple(sorted(s.labels.items())): s.value for family in text_string_to_metric_families(text)
            for s in family.samples if s.name == name}


async def _until(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = await condition()
        if found:
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"not within {timeout} s: {what}")


async def test_a_callback_near_its_deadline_rises_ahead_of_waiting_callers_and_rings_in_time(
        test_settings, rise_service, ami_watch, demo_passwords, phones):
    number = "0655300001"
    answering: sipp.Sipp | None = None
    async with _saturated(test_settings, ami_watch, demo_passwords, "065530001") as (port, waiting):
        try:
            async with httpx.AsyncClient(base_url=rise_service.base_url, timeout=10) as client:
                booked = await client.post("/api/callbacks", json={"phone": "06 55 30 00 01", "consent": True})
                assert booked.status_code == 201, booked.text
                public_id = booked.json()["id"]
                # Booked after both callers: it joins behind them, at ordinary priority.
                held = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1"
                                                and e.channel.startswith("Local/"), timeout=20)
                assert held.position == 3, (held.position, held.count)
                row, _ = await callback_rows(test_settings, public_id)
                assert row.risen_at is None
                row = await _until(_risen(test_settings, public_id), PROMISE_MINUTES * 60, "the callback rises")
                rise_at = row.due_by - timedelta(minutes=LEAD_MINUTES)
                assert rise_at <= row.risen_at < rise_at + timedelta(seconds=3), (row.risen_at, rise_at)
                at_risk = await _metric(client, rise_service, "allo_callbacks_at_risk")
                assert at_risk[()] == 1.0
                staff = rise_service.headers(Role.SUPERVISOR)
                dashboard = (await client.get("/api/dashboard", headers=staff)).json()
                assert dashboard["callbacks_at_risk"]["count"] == 1 and number not in str(dashboard)

                # An adviser frees up: the risen callback is served before both callers who were waiting.
                answering = sipp.agent(test_settings.sip_port, port, calls=1, talk_ms=3000).start()
                await ami_watch.client.queue_pause("l1", "PJSIP/agent1002", False)
                served = await ami_watch.wait_for(
                    AgentConnect, lambda e: e.uniqueid in {held.uniqueid, *(w.uniqueid for w in waiting)},
                    timeout=20)
                assert served.uniqueid == held.uniqueid
                await phones.wait_invites(number, 1, timeout=20)
                row, attempts = await wait_status(test_settings, public_id, CallbackStatus.DONE, timeout=30)
                view = (await client.get(f"/api/callbacks/{public_id}", headers=staff)).json()
                rang = await _metric(client, rise_service, "allo_callbacks_rang_total")
        finally:
            if answering is not None:
                answering.stop()
    (attempt,) = attempts
    assert row.first_ringing_at is not None and row.first_ringing_at <= row.due_by
    assert attempt.ringing_at == row.first_ringing_at and row.reached_at is not None
    print(f"rang {(row.due_by - row.first_ringing_at).total_seconds():.0f} s before the deadline, "
          f"reached {(row.due_by - row.reached_at).total_seconds():.0f} s before")
    assert view["late"] is False and view["risen_at"] is not None
    assert rang.get((("on_time", "yes"),)) == 1.0


def _risen(settings, public_id: str):
    async def risen():
        found, _ = await callback_rows(settings, public_id)
        return found if found.risen_at is not None else None
    return risen


async def test_a_callback_booked_inside_the_lead_time_joins_already_risen(
        test_settings, risen_service, ami_watch, demo_passwords, phones):
    async with _saturated(test_settings, ami_watch, demo_passwords, "065530002") as (_port, waiting):
        async with httpx.AsyncClient(base_url=risen_service.base_url, timeout=10) as client:
            booked = await client.post("/api/callbacks", json={"phone": "06 55 30 00 02", "consent": True})
            assert booked.status_code == 201, booked.text
            public_id = booked.json()["id"]
        # QUEUE_PRIO 5 at origination: app_queue puts it ahead of both callers, who arrived earlier.
        held = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1"
                                        and e.channel.startswith("Local/"), timeout=20)
        try:
            assert held.position == 1 and held.count == len(waiting) + 1, (held.position, held.count)
            await _until(_risen(test_settings, public_id), 5, "the rise recorded at origination")
        finally:  # nobody serves it here: cancelled, or the next tests' service would find it due
            async with httpx.AsyncClient(base_url=risen_service.base_url, timeout=10) as client:
                cancelled = await client.delete(f"/api/callbacks/{public_id}",
                                                headers=risen_service.headers(Role.SUPERVISOR))
            assert cancelled.status_code == 200, cancelled.text
