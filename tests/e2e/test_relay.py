"""Accessible reception with real calls: a relay platform's call (recognised by its SIP source, which the dialplan
passes to the ivr route: SIPp calls from 127.0.0.1) waits longer for keys, queues with its priority, is marked on
its call record and shows on its own line of the reports and on the dashboard."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import time

import httpx
import pytest
from playwright.async_api import Page, expect
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from acd.ami.events import QueueCallerJoin
from allo.auth.roles import Role
from allo.db.admin_models import AuditEntry
from allo.db.models import WrongAccessCode
from allo.setup import sipp
from tests.browser_kit import login, shot
from tests.e2e.e2e_rows import QUEUED_OR_LEFT, metric_sample, wait_call_row
from tests.e2e.queue_kit import paris_day

pytestmark = pytest.mark.e2e

RELAY_NUMBER = "0655777001"
RELAY_WAIT_S = 20
# The main menu's GET DATA ends about 3.6 s (answer, welcome) + 9.1 s (menu) after the answer, then waits 5 s for
# a key: an ordinary caller silent until here has been sent to level 1 for "no input" some 7 s earlier; a relay
# call still waits (20 s), about 8 s more.
KEY_AT_MS = 25_000


RELAY_ENV = {"ALLO_RELAY_MATCH": f"192.0.2.0/28,127.0.0.1,{RELAY_NUMBER}",
             "ALLO_RELAY_INPUT_TIMEOUT_SECONDS": str(RELAY_WAIT_S)}


def _restarted(service, env: dict[str, str]):
    service.stop()
    service.fixed_now = service.DEFAULT_NOW
    service.env = env
    service.start()
    return service


@pytest.fixture
def relay_service(allo_service):
    yield _restarted(allo_service, RELAY_ENV)
    allo_service.stop()
    allo_service.env = {}


@pytest.fixture
def surge_service(allo_service):
    """Relay calls from 127.0.0.1, and a surge alert at 3 wrong codes a minute."""
    yield _restarted(allo_service, {**RELAY_ENV, "ALLO_ACCESS_CODE_SURGE_PER_MINUTE": "3"})
    allo_service.stop()
    allo_service.env = {}


async def test_a_relay_call_waits_longer_for_keys_queues_first_and_has_its_report_line(
        test_settings, relay_service, ami_watch):
    started = time.monotonic()
    citizen = sipp.citizen(test_settings.sip_port, caller=RELAY_NUMBER, keys=f"1@{KEY_AT_MS}")
    citizen.start()
    try:
        joined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1", timeout=60)
        waited = time.monotonic() - started
        prio = (await ami_watch.client.action("Getvar", {"Channel": joined.channel, "Variable": "QUEUE_PRIO"}))
        await ami_watch.client.action("Hangup", {"Channel": joined.channel})
        assert (await asyncio.to_thread(citizen.wait, 20)).ok
    finally:
        citizen.stop()
    assert prio.fields.get("Value") == "5", prio.fields
    row = await wait_call_row(test_settings, joined.uniqueid, until=QUEUED_OR_LEFT)
    print(f"relay call queued {waited:.1f} s after the call started, its key pressed at {KEY_AT_MS / 1000:.0f} s")
    assert waited * 1000 > KEY_AT_MS
    assert row.relay is True and row.keys == "1", row.keys
    assert "relay call (SIP source in 127.0.0.1/32)" in row.trace
    assert f"keys awaited at least {RELAY_WAIT_S * 1000} ms at each input" in row.trace
    assert any("menu main: key 1" in line for line in row.trace) and "no input" not in str(row.trace)
    assert "relay call: queue priority 5" in (row.menu_trace or "")

    # Its own line of the report of every queue (JSON and CSV), after the queues.
    day = paris_day(row.queue_joined_at).isoformat()
    params = {"from": day, "to": day, "by": "day"}
    headers = relay_service.headers(Role.SUPERVISOR)
    async with httpx.AsyncClient(base_url=relay_service.base_url, headers=headers, timeout=10) as client:
        deadline = time.monotonic() + 15
        while True:  # the leg is written from the queue's AMI events: wait until the report sees it
            queues = (await client.get("/api/reports", params=params)).json()["queues"]
            relay = queues[-1]
            if _counted(relay) >= 1 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
        text = (await client.get("/api/reports.csv", params=params)).text
        deadline = time.monotonic() + 15
        while True:  # the dashboard's day figures are refreshed every few seconds
            board = (await client.get("/api/dashboard")).json()
            if (board["relay"] or {}).get("arrived", 0) >= 1 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
    assert (relay["queue"], relay["label"]) == ("relais", "Relais (sourds et malentendants)")
    assert _counted(relay) >= 1
    assert board["relay"]["arrived"] >= 1 and board["alerts"]["access_code_surge"] is False
    lines = [line for line in csv.reader(io.StringIO(text)) if line[0] == "relais"]
    assert lines and lines[-1][1] == "Relais (sourds et malentendants)" and lines[-1][3] == "total"


def _counted(line: dict) -> int:
    # Hung up at once once queued: a short abandon (not offered), still a visit of the line.
    return line["total"]["offered"] + line["total"]["short_abandoned"]


async def test_wrong_codes_of_a_relay_call_are_pooled_and_a_surge_shows_on_the_dashboard(
        test_settings, surge_service, ami_watch, page: Page):
    await login(page, surge_service, Role.SUPERVISOR, "/dashboard")
    await expect(page.locator("#dash-live")).to_have_text("en direct")
    alert = page.locator("#dash-alert")
    await expect(alert).to_be_hidden()
    # At once: one relay call types three wrong codes; another asks for a callback from the menu, then waits (3).
    citizens = [sipp.citizen(test_settings.sip_port, caller=RELAY_NUMBER,
                             keys="2,5550101#@1500,5550202#@4500,5550303#@4500"),
                sipp.citizen(test_settings.sip_port, caller="0655777002", keys="5@1500,3@5000")]
    for citizen in citizens:
        citizen.start()
    try:
        joins: list[QueueCallerJoin] = []
        for _ in citizens:
            joins.append(await ami_watch.wait_for(
                QueueCallerJoin, lambda e: e.queue == "l1" and e.uniqueid not in {j.uniqueid for j in joins},
                timeout=60))
            await ami_watch.client.action("Hangup", {"Channel": joins[-1].channel})
        for citizen in citizens:
            assert (await asyncio.to_thread(citizen.wait, 20)).ok
    finally:
        for citizen in citizens:
            citizen.stop()
    rows = {r.keys: r for r in [await wait_call_row(test_settings, j.uniqueid, until=QUEUED_OR_LEFT) for j in joins]}
    assert set(rows) == {"2,<code>,<code>,<code>", "5,3"}, set(rows)
    offer = rows["5,3"]  # a relay call's own number is the platform's: not offered
    assert offer.relay and "allo/rappel/votre-numero" not in (offer.menu_trace or "")
    assert "allo/rappel/autre-numero" in (offer.menu_trace or "") and "callback declined" in str(offer.trace)
    row = rows["2,<code>,<code>,<code>"]
    assert row.relay and row.keys == "2,<code>,<code>,<code>"
    assert any("code asked, callers without a number and relay calls: 0 wrong codes within 10 min" in line
               for line in row.trace), row.trace

    await expect(alert).to_be_visible(timeout=5000)
    await expect(alert).to_contain_text("afflux de codes d'accès erronés")
    await expect(page.locator("#dash-relay-arrived")).to_have_text(re.compile(r"^[1-9][0-9]*$"), timeout=10000)
    await shot(page, "dashboard-code-surge")
    engine = create_async_engine(test_settings.sqlalchemy_url)
    try:
        deadline = time.monotonic() + 10
        while True:  # the ledger and the audit log are written in the background
            async with engine.connect() as conn:
                pooled = await conn.scalar(select(func.count()).where(WrongAccessCode.caller_hash.is_(None),
                                                                      WrongAccessCode.relay))
                surges = await conn.scalar(select(func.count()).where(AuditEntry.action == "access_code.surge"))
            if (pooled >= 3 and surges >= 1) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
    finally:
        await engine.dispose()
    assert pooled >= 3 and surges == 1
    text = httpx.get(f"{surge_service.base_url}/metrics", headers=surge_service.headers(Role.OPS), timeout=5).text
    assert metric_sample(text, "allo_access_code_surge") == 1.0
    assert metric_sample(text, 'allo_wrong_access_codes_total{scope="pooled"}') == 3.0
