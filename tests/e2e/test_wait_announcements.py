"""Waiting callers informed (issue 16): the position repeated while waiting, fresh each time, without leaving the
queue (app_queue's own announcements, said with allo's prompts: asterisk-conf/queues.conf)."""

from __future__ import annotations

import pytest

from acd.ami.events import AgentConnect, QueueCallerJoin
from allo.setup import sipp
from tests.e2e.heard_kit import heard, positions
from tests.e2e.queue_kit import published_queue

pytestmark = pytest.mark.e2e

EVERY = 8  # seconds between two position announcements in this test (seeded: 60)


async def test_a_waiting_caller_hears_the_position_again_lower_after_a_caller_is_answered(
        test_settings, running_service, asterisk, ami_watch, l1_agent):
    async with published_queue(running_service, asterisk, "l1", announce_frequency=EVERY):
        with heard(asterisk) as log:
            # Three callers for l1; agent1001 is logged in but its phone does not answer yet.
            callers = [sipp.citizen(test_settings.sip_port, caller=f"065516000{n}", keys="1").start()
                       for n in range(3)]
            answering = None
            try:
                first = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1" and e.position == 1,
                                                 timeout=60)
                third = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1" and e.position == 3,
                                                 timeout=60)
                said = await log.wait_for(third.channel, lambda sounds: "allo/file/touche-rappel" in sounds)
                assert positions(said) == [3], said  # at join, then the exit key
                assert said[-3:] == ["allo/file/position", "digits/3", "allo/file/touche-rappel"], said
                answering = l1_agent.answer(calls=1, talk_ms=30000)
                await ami_watch.wait_for(AgentConnect, lambda e: e.uniqueid == first.uniqueid, timeout=30)
                said = await log.wait_for(third.channel, lambda sounds: len(positions(sounds)) >= 2,
                                          timeout=EVERY + 10)
                assert positions(said)[:2] == [3, 2], said
                print(f"[waiting] the third caller heard {said}")
            finally:
                for caller in callers:
                    caller.stop()
                if answering is not None:
                    answering.stop()
                asterisk.cli("channel request hangup all", check=False)
