"""Level 1 -> level 2 transfer without the caller hanging up: the pure checks, then one AMI action.

AMI BlindTransfer is sent on the *level-1 agent's* channel (given the caller's channel, Asterisk hangs the
caller up); the caller's leg is sent to `allo-transfer,<short number>`, which queues it in the sector with
priority over new arrivals. Short numbers are the ones agents also dial for a SIP REFER transfer.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from acd.live.state import QueueLive
from acd.queues.summary import member_counts, staffing
from acd.queues.wait_estimate import RecentWaits, estimate_wait

TRANSFER_CONTEXT = "allo-transfer"
SHORT_NUMBERS = MappingProxyType({
    "interieur": "81", "travail": "82", "consommation": "83", "justice": "84", "fiscalite": "85", "logement": "86",
})


class TransferRefusal(enum.StrEnum):
    UNKNOWN_SECTOR = "unknown_sector"
    SECTOR_CLOSED = "sector_closed"
    NO_AGENT_LOGGED_IN = "no_agent_logged_in"
    CALL_NOT_WITH_AN_AGENT = "call_not_with_an_agent"


@dataclass(frozen=True)
class TransferPlan:
    agent_channel: str
    context: str
    exten: str
    queue: str


def sector_refusal(sector: str, sector_queue: str | None, sector_open: bool,
                   queue_state: QueueLive | None) -> TransferRefusal | None:
    """Why a caller cannot be handed to this sector now (None: it can)."""
    if sector_queue is None or sector not in SHORT_NUMBERS:
        return TransferRefusal.UNKNOWN_SECTOR
    if not sector_open:
        return TransferRefusal.SECTOR_CLOSED
    if queue_state is None or not queue_state.members:
        return TransferRefusal.NO_AGENT_LOGGED_IN
    return None


def plan_transfer(sector: str, sector_queue: str | None, sector_open: bool, queue_state: QueueLive | None,
                  agent_channel: str | None) -> TransferPlan | TransferRefusal:
    """Decide whether the transfer can happen; refusing leaves the caller with the level-1 agent."""
    refusal = sector_refusal(sector, sector_queue, sector_open, queue_state)
    if refusal is not None:
        return refusal
    if agent_channel is None or sector_queue is None:
        return TransferRefusal.CALL_NOT_WITH_AN_AGENT
    return TransferPlan(agent_channel, TRANSFER_CONTEXT, SHORT_NUMBERS[sector], sector_queue)


# app_queue reports the adviser connected (AgentConnect, the desk's pop) a moment before it bridges adviser and
# caller; BlindTransfer in that gap finds no bridge and Asterisk answers "Transfer invalid". It is the same answer as
# for a channel that will never be bridged, so it is retried for a bounded time only.
NOT_YET_BRIDGED = "Transfer invalid"
BRIDGE_WAIT_S = 2.0
BRIDGE_RETRY_EVERY_S = 0.1


def retry_transfer(message: str | None, waited_s: float) -> bool:
    """Whether a refused BlindTransfer is asked again: only while the adviser's channel may still be being bridged."""
    return message == NOT_YET_BRIDGED and waited_s + BRIDGE_RETRY_EVERY_S <= BRIDGE_WAIT_S


@dataclass(frozen=True)
class SectorTarget:
    """What the rules say of a sector now: its label, its queue (None: not in the rules) and whether it is open."""

    label: str
    queue: str | None
    open: bool


@dataclass(frozen=True)
class SectorOption:
    """One transfer button of the desk: what the adviser sees before pressing it."""

    sector: str
    label: str
    queue: str | None
    open: bool
    logged_in: int
    available: int  # logged in, not paused, not in a call
    waiting: int
    wait_s: int | None  # estimate for a caller handed over now; None when nobody could answer
    refusal: TransferRefusal | None  # what a transfer would get now (None: it would be carried out)


def sector_options(targets: Mapping[str, SectorTarget], queues: Mapping[str, QueueLive],
                   recent: Mapping[str, RecentWaits]) -> list[SectorOption]:
    """The six sectors in their menu order, each with its state and the refusal a transfer would get now.

    The wait is the estimate of a caller joining behind those waiting now: transferred callers have priority over
    new arrivals, so it is an upper bound, which is what an adviser deciding to hand over needs."""
    options = []
    for sector in SHORT_NUMBERS:
        target = targets.get(sector) or SectorTarget(sector, None, False)
        live = queues.get(target.queue) if target.queue is not None else None
        counts = member_counts(live) if live is not None else {"logged_in": 0, "available": 0}
        waiting = len(live.waiting) if live is not None else 0
        # An adviser free for this caller (more available than waiting) answers now: no estimate from history.
        wait_s = 0 if counts["available"] > waiting else estimate_wait(
            waiting + 1, recent.get(target.queue or "") or RecentWaits(), staffing(live))
        options.append(SectorOption(
            sector=sector, label=target.label, queue=target.queue, open=target.open and target.queue is not None,
            logged_in=counts["logged_in"], available=counts["available"], waiting=waiting,
            wait_s=wait_s,
            refusal=sector_refusal(sector, target.queue, target.open, live)))
    return options
