"""Carry out a level-1 -> level-2 transfer asked through the API, and record it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from acd.errors import AcdError
from acd.transfer import TransferPlan, TransferRefusal, plan_transfer, sector_refusal
from allo.errors import AlloError
from routing.decide import CallRequest, Target, decide
from routing.route import RouteKind

if TYPE_CHECKING:
    from allo.service import AlloService

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


def sector_target(service: AlloService, sector: str) -> tuple[str | None, bool]:
    """The sector's queue (None: unknown sector) and whether it is open now, from the cached rules."""
    rules = service.rules.snapshot
    if rules is None:
        raise TransferFailed(None, "routing rules are not loaded")
    target = rules.sectors.get(sector)
    queue = target.queue if target else None
    if queue is None:
        return None, False
    decision = decide(rules, CallRequest(Target.QUEUE, queue=queue, why="transfer"), service.clock())
    return queue, decision.route.kind is RouteKind.QUEUE and decision.route.queue == queue


async def transfer_to_sector(service: AlloService, call_id: str, sector: str) -> TransferPlan:
    queue, sector_open = sector_target(service, sector)
    connected = service.active_calls.get(call_id)
    plan = plan_transfer(sector, queue, sector_open, service.live.queues.get(queue or ""),
                         connected.agent_channel if connected else None)
    if isinstance(plan, TransferRefusal):
        raise TransferFailed(plan, MESSAGES[plan])
    try:
        await service.ami.blind_transfer(plan.agent_channel, plan.context, plan.exten)
    except AcdError as exc:
        raise TransferFailed(None, f"Asterisk refused the transfer: {exc}") from exc
    service.recorder.submit(call_id, {"transferred_to": sector, "transferred_at": datetime.now(UTC),
                                      "level1_agent": connected.agent if connected else None})
    return plan


def arrival_queue(service: AlloService, sector: str) -> str | TransferRefusal:
    """Where a caller handed to `sector` (by the API or a REFER) waits: the sector's queue, or why not."""
    try:
        queue, sector_open = sector_target(service, sector)
    except TransferFailed:
        return TransferRefusal.SECTOR_CLOSED
    refusal = sector_refusal(sector, queue, sector_open, service.live.queues.get(queue or ""))
    if refusal is not None:
        return refusal
    return queue if queue is not None else TransferRefusal.UNKNOWN_SECTOR
