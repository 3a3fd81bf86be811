"""The best hours to call said to real callers (issue 20): one told of a long wait hears them, then waits in the
queue as usual; one calling while the line is closed hears them after when it reopens. Real Asterisk, SIPp
callers, the prompts checked in Asterisk's own log."""

from __future__ import annotations

import httpx
import pytest

from acd.ami.events import QueueCallerJoin
from allo.db.models import CallOutcome
from allo.setup import sipp
from ivr.queue_prompts import QueuePrompt
from tests.best_hours_kit import EXPECTED_PROMPTS, replace_summary, rows
from tests.e2e.e2e_rows import wait_call_row
from tests.e2e.heard_kit import heard
from tests.e2e.queue_kit import recent_waits

pytestmark = pytest.mark.e2e

THRESHOLD_S = 60  # seeded: 300; one place costs 180 s below, so the second caller is well over it
SUNDAY = "2026-11-22T10:00:00"  # the general line reopens tomorrow, Monday, at 8:00


@pytest.fixture
async def low_threshold(test_settings, allo_service):
    await replace_summary(test_settings, rows())
    allo_service.env = {"ALLO_BEST_HOURS_WAIT_THRESHOLD_S": str(THRESHOLD_S)}  # in force once recent_waits restarts it
    try:
        yield allo_service
    finally:
        allo_service.stop()
        allo_service.env = {}
        await replace_summary(test_settings, [])


async def test_a_caller_with_a_long_estimated_wait_hears_the_best_hours_then_waits(
        test_settings, low_threshold, asterisk, ami_watch, l1_agent):
    async with recent_waits(test_settings, low_threshold, "l1", wait_s=180, count=10):
        # The service computes the best hours once a web page or a caller asks; the public page does it here.
        async with httpx.AsyncClient(base_url=low_threshold.base_url, timeout=30) as client:
            body = (await client.get("/public/best-hours.json")).json()
        assert next(q for q in body["queues"] if q["queue"] == "l1")["ranges"], body
        with heard(asterisk) as log:
            callers: list[sipp.Sipp] = []
            try:
                # The first caller rings agent1001, whose phone does not answer: the second one will wait.
                for n in range(2):
                    callers.append(sipp.citizen(test_settings.sip_port, caller=f"065518000{n}", keys="1").start())
                    joined = await ami_watch.wait_for(
                        QueueCallerJoin, lambda e, n=n: e.queue == "l1" and e.position == n + 1, timeout=60)
                said = await log.wait_for(joined.channel, lambda s: QueuePrompt.EXIT_KEY in s)
                print(f"[best hours] the second caller heard before joining: {said}")
                start = said.index(EXPECTED_PROMPTS[0])
                assert said[start:start + len(EXPECTED_PROMPTS)] == EXPECTED_PROMPTS, said
                assert said[start + len(EXPECTED_PROMPTS)] == QueuePrompt.EXIT_KEY  # then waits, or presses 9
                assert QueuePrompt.ESTIMATE in said[:start]  # the long estimate came first
                # It joined the queue after hearing them; its journey says why they were said.
                row = await wait_call_row(test_settings, joined.uniqueid, until=CallOutcome.QUEUED)
                assert "best hours: estimate 360 s over 60 s, said" in row.menu_trace, row.menu_trace
            finally:
                for caller in callers:
                    caller.stop()
                asterisk.cli("channel request hangup all", check=False)


async def test_a_caller_of_the_closed_line_hears_the_best_hours_after_the_reopening(test_settings, allo_service,
                                                                                     asterisk):
    await replace_summary(test_settings, rows())
    allo_service.stop()
    allo_service.fixed_now = SUNDAY
    allo_service.start()
    caller = None
    try:
        async with httpx.AsyncClient(base_url=allo_service.base_url, timeout=30) as client:
            body = (await client.get("/public/best-hours.json")).json()  # computed (allo serve started it too)
        assert next(q for q in body["queues"] if q["queue"] == "l1")["ranges"], body
        with heard(asterisk) as log:
            caller = sipp.citizen(test_settings.sip_port, caller="0655180010").start()
            # Only the caller's channel plays anything here; hung up once the best hours are said (the weekly
            # hours that follow last 20 s more).
            said = await log.wait_for("PJSIP/", lambda s: EXPECTED_PROMPTS[0] in s and len(s) >= s.index(
                EXPECTED_PROMPTS[0]) + len(EXPECTED_PROMPTS), timeout=40, prefix=True)
            print(f"[best hours] the caller of the closed line heard: {said}")
            start = said.index(EXPECTED_PROMPTS[0])
            assert said[start:start + len(EXPECTED_PROMPTS)] == EXPECTED_PROMPTS, said
            assert said[:start] == ["allo/service-ferme", "allo/mots/rouvrira", "allo/mots/demain",
                                    "allo/mots/a", "allo/nombres/8", "allo/mots/heures"], said
    finally:
        if caller is not None:
            caller.stop()
        asterisk.cli("channel request hangup all", check=False)
        allo_service.stop()
        allo_service.fixed_now = allo_service.DEFAULT_NOW
        await replace_summary(test_settings, [])
