"""Accessible reception with real calls: a relay platform's call (recognised by its SIP source, which the dialplan
passes to the ivr route: SIPp calls from 127.0.0.1) waits longer for keys, queues with its priority, is marked on
its call record and shows on its own line of the reports and on the dashboard."""

from __future__ import annotations

import asyncio
import csv
import io
import time

import httpx
import pytest

from acd.ami.events import QueueCallerJoin
from allo.auth.roles import Role
from allo.setup import sipp
from tests.e2e.e2e_rows import wait_call_row
from tests.e2e.queue_kit import paris_day
from tests.e2e.test_access_code_limit import QUEUED_OR_LEFT

pytestmark = pytest.mark.e2e

RELAY_NUMBER = "0655777001"
RELAY_WAIT_S = 20
# The main menu's GET DATA ends about 3.6 s (answer, welcome) + 9.1 s (menu) after the answer, then waits 5 s for
# a key: an ordinary caller silent until here has been sent to level 1 for "no input" some 7 s earlier; a relay
# call still waits (20 s), about 8 s more.
KEY_AT_MS = 25_000


@pytest.fixture
def relay_service(allo_service):
    allo_service.stop()
    allo_service.fixed_now = allo_service.DEFAULT_NOW
    allo_service.env = {"ALLO_RELAY_MATCH": f"192.0.2.0/28,127.0.0.1,{RELAY_NUMBER}",
                        "ALLO_RELAY_INPUT_TIMEOUT_SECONDS": str(RELAY_WAIT_S)}
    allo_service.start()
    yield allo_service
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
