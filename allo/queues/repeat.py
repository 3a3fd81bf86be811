"""The repeated announcement while waiting: every `announce_frequency` seconds, allo says the caller's position,
a fresh estimate and the exit key into their channel, while they stay in `Queue()` (docs/queues.md).

How it reaches the caller: AMI Originate of `Local/<uniqueid>@allo-queue-say`; its dialplan half plays the
prompts, its other half runs `ChanSpy(<uniqueid>,qWESu)`: private whisper (`W`: the spy only talks, and only to
the spied-on channel, never to its peer), `u` the caller's uniqueid exactly, `E`/`S` end with the caller.
The caller hears it over the music on hold; app_queue keeps their place and max-wait clock. The whisper is
hung up as soon as the caller leaves the queue (answered, exit key, timeout, hang-up), so an adviser who
answers mid-sentence cuts it short; the adviser never hears a whisper in any case (`W` writes only to the
caller's side).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Callable, Sequence

from acd.ami.client import AmiClient
from acd.ami.events import (
    AgentCalled,
    AgentConnect,
    AgentRingNoAnswer,
    AmiEvent,
    Hangup,
    QueueCallerAbandon,
    QueueCallerJoin,
    QueueCallerLeave,
    QueueEntry,
)
from acd.live.state import LiveState
from acd.queues.summary import staffing
from acd.queues.wait_estimate import estimate_wait
from acd.queues.wait_repeat import Due, Waiter, due_now
from allo.metrics import Metrics
from allo.queues.figures import QueueFigures
from allo.tasks import Jobs, cancel_and_wait
from ivr.wait_speech import repeated_announcement

log = logging.getLogger(__name__)

CONTEXT = "allo-queue-say"
OPTIONS = "qWESu"
# `<epoch>.<seq>`, or `<node>-<epoch>.<seq>` on a named node (asterisk.conf's systemname, docs/scaling.md).
UNIQUEID_TEXT = r"(?:[a-z][a-z0-9]{0,15}-)?[0-9]+\.[0-9]+"
UNIQUEID = re.compile(rf"^{UNIQUEID_TEXT}$")
SAY_CHANNEL = re.compile(rf"^Local/(?P<uniqueid>{UNIQUEID_TEXT})@" + CONTEXT + r"-[0-9a-f]+;1$")
# A whisper whose end was never seen (AMI reconnection) stops holding its caller's next announcement back after this.
SPEAKING_MAX_S = 30.0
RING_MS = 5000  # the Local channel answers at once; anything slower is a stuck Asterisk


def say_channel(uniqueid: str) -> str:
    return f"Local/{uniqueid}@{CONTEXT}/n"


def say_fields(uniqueid: str, prompts: Sequence[str]) -> dict[str, str]:
    return {"Channel": say_channel(uniqueid), "Application": "ChanSpy", "Data": f"{uniqueid},{OPTIONS}",
            "Async": "true", "Timeout": str(RING_MS), "Variable": "ALLO_SAY=" + "&".join(prompts)}


def say_pattern(uniqueid: str) -> str:
    """AMI Hangup's regular expression for both halves of one caller's whisper."""
    # Asterisk strips the outer slashes and compiles the rest (POSIX extended): inner slashes need no escape.
    return "/^Local/" + uniqueid.replace(".", "\\.") + "@" + CONTEXT + "-/"


class WaitRepeater:
    def __init__(self, ami: AmiClient, live: LiveState, figures: QueueFigures, metrics: Metrics, *,
                 tick: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._ami, self._live, self._figures, self._metrics = ami, live, figures, metrics
        self._tick, self._clock = tick, clock
        self._channels: dict[str, str] = {}  # caller uniqueid -> channel name
        self._ringing: set[str] = set()
        self._last_said: dict[str, float] = {}
        self._speaking: dict[str, float] = {}  # caller uniqueid -> when their whisper was originated
        self._jobs = Jobs(log, "waiting announcement not said")
        self._task: asyncio.Task[None] | None = None

    def on_event(self, event: AmiEvent) -> None:
        if isinstance(event, QueueCallerJoin):
            self._channels[event.uniqueid] = event.channel
            self._last_said.pop(event.uniqueid, None)
        elif isinstance(event, AgentCalled):
            self._ringing.add(event.uniqueid)
        elif isinstance(event, AgentRingNoAnswer):
            self._ringing.discard(event.uniqueid)
        elif isinstance(event, Hangup) and (whisper := SAY_CHANNEL.match(event.channel)):
            self._speaking.pop(whisper["uniqueid"], None)  # said to the end (or cut): the caller may be due again
        elif isinstance(event, AgentConnect | QueueCallerLeave | QueueCallerAbandon | Hangup):
            self._left(event.uniqueid)

    def on_resync(self, snapshot: Sequence[AmiEvent]) -> None:
        self._channels = {e.uniqueid: e.channel for e in snapshot if isinstance(e, QueueEntry)}
        self._ringing.clear()

    def _left(self, uniqueid: str) -> None:
        self._channels.pop(uniqueid, None)
        self._ringing.discard(uniqueid)
        self._last_said.pop(uniqueid, None)
        if self._speaking.pop(uniqueid, None) is not None:
            self._jobs.start(self._silence(uniqueid))

    async def _silence(self, uniqueid: str) -> None:
        with contextlib.suppress(Exception):  # already over: nothing to hang up
            await self._ami.action("Hangup", {"Channel": say_pattern(uniqueid)})

    def waiters(self) -> list[Waiter]:
        now = self._clock()
        return [Waiter(queue.name, caller.uniqueid, caller.position, caller.joined_monotonic,
                       listening=self._listening(caller.uniqueid), ringing=caller.uniqueid in self._ringing,
                       speaking=self._speaking_at(caller.uniqueid, now))
                for queue in self._live.queues.values() for caller in queue.waiting.values()]

    def _speaking_at(self, uniqueid: str, now: float) -> bool:
        started = self._speaking.get(uniqueid)
        return started is not None and now - started < SPEAKING_MAX_S

    def _listening(self, uniqueid: str) -> bool:
        channel = self._channels.get(uniqueid, "")
        return channel.startswith("PJSIP/") and bool(UNIQUEID.match(uniqueid))

    def announce_due(self) -> list[Due]:
        every = {name: policy.announce_every for name, policy in self._figures.policies.items()}
        now = self._clock()
        due = due_now(self.waiters(), every, self._last_said, now)
        for item in due:
            self._last_said[item.uniqueid] = now
            self._speaking[item.uniqueid] = now
            self._jobs.start(self._say(item))
        return due

    async def _say(self, item: Due) -> None:
        queue = self._live.queues.get(item.queue)
        estimate = estimate_wait(item.position, self._figures.waits(item.queue), staffing(queue))
        prompts = repeated_announcement(item.position, estimate)
        try:
            await self._ami.action("Originate", say_fields(item.uniqueid, prompts))
        except Exception:
            self._speaking.pop(item.uniqueid, None)
            self._metrics.wait_repeats.labels(item.queue, "failed").inc()
            raise
        self._metrics.wait_repeats.labels(item.queue, "said").inc()
        log.info("waiting announcement in %s for %s: position %d, estimate %s s", item.queue, item.uniqueid,
                 item.position, estimate if estimate is not None else "-")

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._tick)
            if self._ami.connected:
                try:
                    self.announce_due()
                except Exception as exc:  # the next tick tries again
                    log.warning("waiting announcements not planned: %s", type(exc).__name__)

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
        await self._jobs.stop()
