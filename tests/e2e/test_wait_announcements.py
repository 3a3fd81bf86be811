"""Waiting callers informed (issue 16): position and a fresh estimate repeated while waiting, without leaving the
queue (allo whispers them into the caller's channel: allo/queues/repeat.py, [allo-queue-say])."""

from __future__ import annotations

import pytest

from acd.ami.events import AgentConnect, QueueCallerJoin, QueueCallerLeave
from allo.setup import sipp
from ivr.queue_prompts import QueuePrompt
from tests.e2e.heard_kit import heard, positions, whisper_channel
from tests.e2e.queue_kit import published_queue

pytestmark = pytest.mark.e2e

EVERY = 8  # seconds between two announcements in this test (seeded: 60)
ESTIMATES = {QueuePrompt.ESTIMATE, QueuePrompt.ONE_MINUTE, QueuePrompt.OVER_AN_HOUR}


def estimates(sounds: list[str]) -> int:
    return sum(1 for sound in sounds if sound in ESTIMATES)


async def test_a_waiting_caller_hears_position_and_estimate_again_lower_after_a_caller_is_answered(
        test_settings, running_service, asterisk, ami_watch, l1_agent):
    async with published_queue(running_service, asterisk, "l1", announce_frequency=EVERY):
        with heard(asterisk) as log:
            # Three callers for l1, one after the other; agent1001 is logged in but its phone does not answer yet.
            callers: list[sipp.Sipp] = []
            answering = None
            try:
                joins = []
                for n in range(3):
                    callers.append(sipp.citizen(test_settings.sip_port, caller=f"065516000{n}", keys="1").start())
                    joins.append(await ami_watch.wait_for(
                        QueueCallerJoin, lambda e, n=n: e.queue == "l1" and e.position == n + 1, timeout=60))
                first, _, third = joins
                at_join = await log.wait_for(third.channel, lambda s: "allo/file/touche-rappel" in s)
                assert positions(at_join) == [3] and estimates(at_join) == 1, at_join  # said before Queue()
                whisper = whisper_channel(third.uniqueid)
                said = await log.wait_for(whisper, lambda s: "allo/file/touche-rappel" in s, timeout=EVERY + 10,
                                          prefix=True)
                assert positions(said) == [3] and estimates(said) == 1, said
                assert said[-1] == "allo/file/touche-rappel", said
                # The whisper was on the caller before the first word was played (nothing cut).
                text = log.text()
                assert text.index(f"Spying on channel {third.channel}") < text.index(f"<{whisper}"), text[-3000:]

                answering = l1_agent.answer(calls=1, talk_ms=30000)
                await ami_watch.wait_for(AgentConnect, lambda e: e.uniqueid == first.uniqueid, timeout=30)
                said = await log.wait_for(whisper, lambda s: s.count("allo/file/touche-rappel") >= 2,
                                          timeout=EVERY + 10, prefix=True)
                assert positions(said)[:2] == [3, 2] and estimates(said) >= 2, said
                print(f"[waiting] the third caller heard, whispered while waiting: {said}")
                # Throughout, the caller stayed in the queue: one join, no leave.
                mine = [e for e in ami_watch.events if isinstance(e, QueueCallerJoin | QueueCallerLeave)
                        and e.uniqueid == third.uniqueid]
                assert [type(e) for e in mine] == [QueueCallerJoin], mine
            finally:
                for caller in callers:
                    caller.stop()
                if answering is not None:
                    answering.stop()
                asterisk.cli("channel request hangup all", check=False)
