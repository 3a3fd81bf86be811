"""Level-1 -> level-2 transfers: carry out one asked through the API, and tell where a transferred caller waits.

`SectorTransfers` receives only what it reads and drives (the cached rules, the routing clock, the live queues and
calls, the AMI client, the call recorder), not the whole service.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from acd.ami.client import AmiClient
from acd.ami.errors import AmiActionFailed
from acd.errors import AcdError
from acd.live.calls import ActiveCalls
from acd.live.state import LiveState
from acd.transfer import (
    BRIDGE_RETRY_EVERY_S,
    TransferPlan,
    TransferRefusal,
    plan_transfer,
    retry_transfer,
    sector_refusal,
)
from allo.errors import AlloError
from allo.records.recorder import CallRecorder
from routing.decide import CallRequest, Target, decide
from routing.route import RouteKind
from routing.rules import RulesSnapshot

MESSAGES = {
    TransferRefusal.UNKNOWN_SECTOR: "unknown sector",
    TransferRefusal.SECTOR_CLOSED: "this sector is closed now; the caller stays with you",
    TransferRefusal.NO_AGENT_LOGGED_IN: "no adviser is logged in to this sector; the caller stays with you",
    TransferRefusal.CALL_NOT_WITH_AN_AGENT: "this call is not connected to an adviser",
}


class TransferFailed(AlloError):
    def __init__(self, refusal: TransferRefusal | None, message: str) -> None:
        super().__init__(message)
        self.refusal = refusal


class RulesSource(Protocol):
    @property
    def snapshot(self) -> RulesSnapshot | None: ...


class SectorTransfers:
    def __init__(self, *, rules: RulesSource, clock: Callable[[], datetime], live: LiveState,
                 active_calls: ActiveCalls, ami: AmiClient, recorder: CallRecorder) -> None:
        self._rules = rules
        self._clock = clock
        self._live = live
        self._active_calls = active_calls
        self._ami = ami
        self._recorder = recorder

    def sector_target(self, sector: str) -> tuple[str | None, bool]:
        """The sector's queue (None: unknown sector) and whether it is open now, from the cached rules."""
        rules = self._rules.snapshot
        if rules is None:
            raise TransferFailed(None, "routing rules are not loaded")
        target = rules.sectors.get(sector)
        queue = target.queue if target else None
        if queue is None:
            return None, False
        decision = decide(rules, CallRequest(Target.QUEUE, queue=queue, why="transfer"), self._clock())
        return queue, decision.route.kind is RouteKind.QUEUE and decision.route.queue == queue

    async def transfer_to_sector(self, call_id: str, sector: str) -> TransferPlan:
        queue, sector_open = self.sector_target(sector)
        connected = self._active_calls.get(call_id)
        plan = plan_transfer(sector, queue, sector_open, self._live.queues.get(queue or ""),
                             connected.agent_channel if connected else None)
        if isinstance(plan, TransferRefusal):
            raise TransferFailed(plan, MESSAGES[plan])
        await self._blind_transfer(plan)
        self._recorder.submit(call_id, {"transferred_to": sector, "transferred_at": datetime.now(UTC),
                                        "level1_agent": connected.agent if connected else None})
        return plan

    async def _blind_transfer(self, plan: TransferPlan) -> None:
        started = time.monotonic()
        while True:
            try:
                await self._ami.blind_transfer(plan.agent_channel, plan.context, plan.exten)
                return
            except AmiActionFailed as exc:
                if not retry_transfer(exc.response.message, time.monotonic() - started):
                    raise TransferFailed(None, f"Asterisk refused the transfer: {exc}") from exc
            except AcdError as exc:
                raise TransferFailed(None, f"Asterisk refused the transfer: {exc}") from exc
            await asyncio.sleep(BRIDGE_RETRY_EVERY_S)

    def arrival_queue(self, sector: str) -> str | TransferRefusal:
        """Where a caller handed to `sector` (by the API or a REFER) waits: the sector's queue, or why not."""
        try:
            queue, sector_open = self.sector_target(sector)
        except TransferFailed:
            return TransferRefusal.SECTOR_CLOSED
        refusal = sector_refusal(sector, queue, sector_open, self._live.queues.get(queue or ""))
        if refusal is not None:
            return refusal
        return queue if queue is not None else TransferRefusal.UNKNOWN_SECTOR
