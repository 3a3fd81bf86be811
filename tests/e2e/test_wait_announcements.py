"""Waiting callers informed (issue 16): position and a fresh estimate repeated while waiting, without leaving the
queue (allo whispers them into the caller's channel: allo/queues/repeat.py, [allo-queue-say])."""

from __future__ import annotations

import re
import time

import pytest

from acd.ami.events import AgentConnect, Hangup, QueueCallerJoin, QueueCallerLeave
from allo.setup import sipp
from ivr.queue_prompts import QueuePrompt
from ivr.wait_speech import repeated_announcement
from tests.e2e.heard_kit import heard, positions, whisper_channel
from tests.e2e.queue_kit import published_queue, recent_waits

pytestmark = pytest.mark.e2e

EVERY = 8  # seconds between two announcements in this test (seeded: 60)
ESTIMATES = {QueuePrompt.ESTIMATE, QueuePrompt.ONE_MINUTE, QueuePrompt.OVER_AN_HOUR}


def estimates(sounds: list[str]) -> int:
    return sum(1 for sound in sounds if sound in ESTIMATES)


def figures_said(service, uniqueid: str) -> list[tuple[int, int | None]]:
    """(position, estimate) of each announcement the service whispered to `uniqueid`, from its log."""
    pattern = re.compile(rf"waiting announcement in \S+ for {re.escape(uniqueid)}: position (\d+), estimate (\d+|-) s")
    return [(int(p), None if e == "-" else int(e)) for p, e in pattern.findall(service.log.read_text(errors="replace"))]


async def test_a_waiting_caller_hears_position_and_estimate_again_lower_after_a_caller_is_answered(
        test_settings, running_service, asterisk, ami_watch, l1_agent):
    # Callers waited 3 minutes a place this past hour: every estimate here is minutes, so it is said.
    async with (recent_waits(test_settings, running_service, "l1", wait_s=180, count=10),
                published_queue(running_service, asterisk, "l1", announce_frequency=EVERY)):
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
                # The whisper was on the caller before the first word was played (nothing cut).
                text = log.text()
                assert text.index(f"Spying on channel {third.channel}") < text.index(f"<{whisper}"), text[-3000:]

                answering = l1_agent.answer(calls=1, talk_ms=30000)
                await ami_watch.wait_for(AgentConnect, lambda e: e.uniqueid == first.uniqueid, timeout=30)
                said = await log.wait_for(whisper, lambda s: s.count("allo/file/touche-rappel") >= 2,
                                          timeout=EVERY + 10, prefix=True)
                print(f"[waiting] the third caller heard, whispered while waiting: {said}")
                assert positions(said)[:2] == [3, 2] and estimates(said) >= 2, said
                # Each time exactly what the service computed at that instant (position and estimate fresh).
                figures = figures_said(running_service, third.uniqueid)[:2]
                assert [p for p, _ in figures] == [3, 2], figures
                assert said[:len(repeated_announcement(*figures[0])) + len(repeated_announcement(*figures[1]))] == [
                    *repeated_announcement(*figures[0]), *repeated_announcement(*figures[1])], (said, figures)
                print(f"[waiting] (position, estimate s) said: {figures}")
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


async def test_an_adviser_answering_mid_announcement_cuts_the_whisper_and_never_hears_it(
        test_settings, running_service, asterisk, ami_watch, l1_agent):
    ami = ami_watch.client
    interface = f"PJSIP/{l1_agent.username}"
    await ami.queue_pause("l1", interface, True)  # nobody is rung while the caller waits
    answering = l1_agent.answer(calls=1, talk_ms=3000)  # the phone answers at once when it rings
    async with published_queue(running_service, asterisk, "l1", announce_frequency=3):
        with heard(asterisk) as log:
            citizen = sipp.citizen(test_settings.sip_port, caller="0655170001", keys="1").start()
            try:
                joined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1", timeout=60)
                whisper = whisper_channel(joined.uniqueid)
                await log.wait_for(whisper, lambda s: QueuePrompt.NEXT in s, timeout=15, prefix=True)
                started = time.monotonic()  # "Votre appel est le prochain" (1.28 s) then the exit key (2.70 s)
                await ami.queue_pause("l1", interface, False)
                connect = await ami_watch.wait_for(AgentConnect, lambda e: e.uniqueid == joined.uniqueid, timeout=15)
                connected = time.monotonic()
                cut = await ami_watch.wait_for(Hangup, lambda e: e.channel.startswith(whisper)
                                               and ami_watch.index_of(e) > ami_watch.index_of(connect), timeout=5)
                ended = time.monotonic()
                print(f"[waiting] adviser connected {connected - started:.2f} s into the announcement; whisper "
                      f"{cut.channel} hung up {ended - connected:.3f} s after AgentConnect was seen "
                      "(the kit polls every 50 ms)")
                assert ended - started < 1.28 + 2.70, "the whisper ended by itself, not cut by the connection"
                # The adviser's channel never had anything played to it (the whisper writes toward the caller only).
                assert log.sounds(connect.dest_channel) == [], log.sounds(connect.dest_channel)
            finally:
                citizen.stop()
                answering.stop()
                await ami.queue_pause("l1", interface, False)
                asterisk.cli("channel request hangup all", check=False)
