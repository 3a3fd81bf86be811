"""What every fault test does: a steady citizen load through the whole journey, and what became of its calls."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from acd.ami.event_types import QueueMember
from allo.watchdog.status import read_status
from bench.amiwatch import Seen
from bench.load import CitizenLoad, CitizenResult
from bench.stack import BenchStack

RATE = 3.0  # calls per second: ten times the real 3939 peak (seeds digest: ~0.3 call/s), far below our ceiling
FALLBACK_LINE = "allo: fallback to level 1"


@dataclass
class LoadOutcome:
    offered: int
    created: int
    answered_by_agent: int  # callers who joined l1 and were connected to an agent (AMI AgentConnect)
    joined_l1: int
    failed: int
    early_byes: int
    abandoned: int
    result: CitizenResult

    @property
    def dropped(self) -> int:
        """Calls offered that did not reach an agent."""
        return self.offered - self.answered_by_agent

    @property
    def other_failures(self) -> int:
        """SIPp failures other than an agent's BYE arriving before the script's key (see `early_byes`)."""
        return self.failed - self.early_byes

    def figures(self) -> dict[str, Any]:
        return {"calls offered": self.offered, "calls answered by an agent": self.answered_by_agent,
                "calls dropped": self.dropped, "SIPp failed calls": self.failed,
                "of which: agent's BYE before the scripted key (caller served)": self.early_byes,
                "callers who abandoned the queue": self.abandoned}


def early_byes(workdir: Path) -> int:
    """Calls SIPp aborted because the BYE came while it was still to press its key: the fallback queued the
    caller at once and the agent (0.5 s talk) hung up before the script's INFO at 1.5 s. AMI shows those callers
    connected to an agent; to SIPp's fixed script they are failures."""
    return sum(p.read_text(errors="replace").count("Aborting call on an unexpected BYE")
               for p in workdir.glob("*_errors.log"))


class Load:
    """A CitizenLoad on 3939 with the AMI events of its calls (joins, agent connections) counted."""

    def __init__(self, stack: BenchStack, seconds: float, name: str, rate: float = RATE) -> None:
        self.stack = stack
        self.citizens: CitizenLoad = stack.citizens(stack.numbers["allo"], rate, seconds, name)
        self._mark = 0
        self._task: asyncio.Task[CitizenResult] | None = None
        self.started = 0.0

    def start(self) -> Load:
        self._watch = self.stack.watch  # a restart of Asterisk replaces the stack's watcher: keep this one
        self._mark = self._watch.mark()
        self.citizens.start()
        self.started = time.monotonic()
        self._task = asyncio.ensure_future(asyncio.to_thread(self.citizens.wait))
        return self

    def kill(self) -> None:
        """End SIPp now: its calls in progress count as failed, calls not yet placed as not created."""
        if self.citizens.proc is not None and self.citizens.proc.poll() is None:
            self.citizens.proc.kill()

    def at(self) -> float:
        """Seconds since the load started."""
        return time.monotonic() - self.started

    async def finish(self) -> LoadOutcome:
        assert self._task is not None
        result = await self._task
        events = await self._settled()
        joined = {e.uniqueid for e in events if e.name == "QueueCallerJoin" and e.fields.get("Queue") == "l1"}
        served = {e.uniqueid for e in events if e.name == "AgentConnect"} & joined
        abandons = sum(1 for e in events if e.name == "QueueCallerAbandon")
        return LoadOutcome(self.citizens.calls, result.created, len(served), len(joined), result.failed,
                           early_byes(self.citizens.workdir), abandons, result)


    async def _settled(self, deadline_s: float = 5.0) -> list[Seen]:
        """This load's events once every caller that joined l1 was connected to an adviser or abandoned: the last
        AgentConnect events can arrive just after SIPp ends. At the deadline the events are taken as they are, and
        the assertions say what is missing.

        This load's callers only (their numbers start with its prefix): calls of an earlier load can still be in
        Asterisk. The watcher is the raw bench listener, which sees CallerIDNum."""
        deadline = time.monotonic() + deadline_s
        while True:
            events = [e for e in self._watch.since(self._mark)
                      if e.fields.get("CallerIDNum", "").startswith(self.citizens.caller_prefix)]
            joined = {e.uniqueid for e in events if e.name == "QueueCallerJoin" and e.fields.get("Queue") == "l1"}
            ended = {e.uniqueid for e in events if e.name in ("AgentConnect", "QueueCallerAbandon")}
            if joined <= ended or time.monotonic() >= deadline:
                return events
            await asyncio.sleep(0.1)


def messages_log(stack: BenchStack) -> Path:
    assert stack.asterisk is not None
    return Path(stack.asterisk.host_path(stack.asterisk.log_dir)) / "messages.log"


def fallback_count(stack: BenchStack) -> int:
    """Calls the dialplan sent to level 1 itself (FastAGI unreachable or failed), from Asterisk's verbose log."""
    path = messages_log(stack)
    return path.read_text(errors="replace").count(FALLBACK_LINE) if path.exists() else 0


def watchdog_kills(stack: BenchStack) -> int:
    """How many times `allo supervise`'s watchdog has killed `allo serve` on this stack (watchdog.json)."""
    status = read_status(stack.settings.state_dir)
    assert status is not None, "`allo supervise` keeps <state>/watchdog.json"
    return int(status["watchdog_kills"])


async def healthy(stack: BenchStack) -> bool:
    try:
        async with httpx.AsyncClient(timeout=1.0) as client:
            return (await client.get(f"{stack.service.base_url}/healthz")).status_code == 200
    except httpx.HTTPError:
        return False


async def truth_members(stack: BenchStack, queue: str = "l1") -> dict[str, bool]:
    """interface -> paused, from a fresh QueueStatus (Asterisk's own view)."""
    items = await stack.ami.queue_status(queue)
    return {e.interface: e.paused for e in items if isinstance(e, QueueMember) and e.queue == queue}


async def service_members(stack: BenchStack, headers: dict[str, str], queue: str = "l1") -> dict[str, bool] | None:
    """interface -> paused, from the service's live state (GET /api/queues); None when it cannot say."""
    try:
        async with httpx.AsyncClient(timeout=2.0) as client:
            reply = await client.get(f"{stack.service.base_url}/api/queues", headers=headers)
    except httpx.HTTPError:
        return None
    if reply.status_code != 200 or reply.json().get("ami") != "up":
        return None
    for item in reply.json()["queues"]:
        if item["name"] == queue:
            return {m["interface"]: bool(m["paused"]) for m in item["members"]}
    return {}
