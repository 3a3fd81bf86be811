"""DTMF garbage on real calls: a burst of keys during the welcome, a very long digit string at the access-code prompt,
`#` only. Keys are SIP INFO from SIPp, 200 ms apart within one input.

Prompt lengths matter for where a key lands (measured on the generated prompts: welcome 3.1 s, access-code prompt
3.2 s, "code invalide" + "réessayez" 2.5 s, invalid choice 1.1 s, no choice 1.6 s, "mise en relation" 3.7 s).
A key pressed while a prompt that cannot be interrupted plays is lost; every expectation below holds either way.
No input contains 9: in the queue, 9 is the exit key.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from acd.ami.events import QueueCallerJoin
from allo.db.models import CallOutcome
from allo.setup import sipp
from tests import reliability
from tests.e2e.e2e_rows import wait_call_row

pytestmark = pytest.mark.e2e

QUEUED_OR_LEFT = {CallOutcome.QUEUED, CallOutcome.ABANDONED}
BURST = "1876543210#*"
LONG_DIGITS = "1234567801" * 4  # 40 digits; the access code takes 12 at most


async def queued_then_hang_up(ami_watch, citizen: sipp.Sipp, queue: str, timeout: float = 90):  # type: ignore[no-untyped-def]
    """Start the citizen, wait until it joins `queue`, hang it up over AMI; the join event and seconds taken."""
    seen = len(ami_watch.events)
    started = time.monotonic()
    citizen.start()
    try:
        joined = await ami_watch.wait_for(QueueCallerJoin, lambda e: ami_watch.index_of(e) >= seen,
                                          timeout=timeout)
        took = time.monotonic() - started
        await ami_watch.client.action("Hangup", {"Channel": joined.channel})
        result = await asyncio.to_thread(citizen.wait, 20)
        assert result.ok, result.log
    finally:
        citizen.stop()
    assert joined.queue == queue, f"the caller joined {joined.queue}, not {queue}"
    return joined, took


async def test_dtmf_garbage_ends_where_it_should(test_settings, running_service, ami_watch, access_code):
    port = test_settings.sip_port
    ended: dict[str, str] = {}

    # A burst during the welcome: its first key is the choice, the rest is lost during "mise en relation".
    joined, took = await queued_then_hang_up(
        ami_watch, sipp.citizen(port, caller="0656000001", keys=BURST), "l1")
    row = await wait_call_row(test_settings, joined.uniqueid, until=QUEUED_OR_LEFT)
    assert row.keys == "1", row.keys
    assert "key 1 during the welcome" in (row.trace or [])
    ended["burst of 12 keys during the welcome"] = f"{joined.queue} in {took:.1f} s, keys {row.keys}"

    # A very long digit string at the access-code prompt, then `#` twice: three wrong (or empty) codes, level 1.
    joined, took = await queued_then_hang_up(
        ami_watch, sipp.citizen(port, caller="0656000002", keys=f"2,{LONG_DIGITS}@1500,#@4000,#@4000"), "l1")
    row = await wait_call_row(test_settings, joined.uniqueid, until=QUEUED_OR_LEFT)
    assert "3 wrong access codes" in str(row.trace)
    assert (row.keys or "").startswith("2,<code>")
    assert "12345678" not in f"{row.keys} {row.trace} {row.menu_trace}"  # never in clear
    ended["40 digits at the access code"] = f"{joined.queue} in {took:.1f} s, keys {row.keys}"

    # `#` alone at the access-code prompt is no code; the code then still leads to the sector.
    joined, took = await queued_then_hang_up(
        ami_watch, sipp.citizen(port, caller="0656000003", keys=f"2,#@1500,{access_code}#@4000,1@3000"),
        "l2-interieur")
    row = await wait_call_row(test_settings, joined.uniqueid, until=QUEUED_OR_LEFT)
    assert row.keys == "2,,<code>,1" and row.sector == "interieur", row.keys
    assert any("access code not entered (attempt 1/3)" in line for line in row.trace or [])
    ended["# alone at the access code, then the code and sector 1"] = f"{joined.queue} in {took:.1f} s"

    # `#` only, at the welcome and at the menu: no input (level 1 at the first timeout), level 1.
    joined, took = await queued_then_hang_up(
        ami_watch, sipp.citizen(port, caller="0656000004", keys="#,#@2500"), "l1")
    row = await wait_call_row(test_settings, joined.uniqueid, until=QUEUED_OR_LEFT)
    assert any("level1 (no input)" in line or "3 failed inputs" in line for line in row.trace or []), row.trace
    assert "-> queue l1" in (row.trace or [])[-1]
    ended["# only (welcome and menu)"] = f"{joined.queue} in {took:.1f} s, keys {row.keys!r}"

    reliability.record("dtmf_garbage_calls", kind="attack", title="DTMF garbage on real calls (SIPp, SIP INFO)",
                       load="4 calls one after the other, keys 200 ms apart", observed=ended, passed=True)
