"""From queue legs to queue visits: what happened to one call in one queue (pure).

A call can have several legs in one queue: it pressed the exit key or reached the maximum wait (leg `left` or
`timeout`), declined the callback offer and went back in. Those legs form one visit, which ends with the first
leg that settles it: answered, abandoned, left with a callback, or overflowed. A later leg in the same queue
(a transferred call sent back to level 1 because the sector had closed) starts a new visit.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from allo.db.models import LegOutcome
from allo.reports.rows import CallRow, LegRow

SETTLING = frozenset({LegOutcome.ANSWERED, LegOutcome.ABANDONED, LegOutcome.CALLBACK, LegOutcome.OVERFLOW})
TRANSFER = "transfer"


class VisitOutcome(enum.StrEnum):
    ANSWERED = "answered"
    ABANDONED = "abandoned"
    CALLBACK = "callback"  # left the queue with a callback booked
    OVERFLOW = "overflow"  # sent on to the overflow queue (offered there too)
    LEFT = "left"  # left without an adviser (timeout or exit key) and did not come back
    WAITING = "waiting"  # still in the queue


LEG_TO_VISIT = {LegOutcome.ANSWERED: VisitOutcome.ANSWERED, LegOutcome.ABANDONED: VisitOutcome.ABANDONED,
                LegOutcome.CALLBACK: VisitOutcome.CALLBACK, LegOutcome.OVERFLOW: VisitOutcome.OVERFLOW,
                LegOutcome.TIMEOUT: VisitOutcome.LEFT, LegOutcome.LEFT: VisitOutcome.LEFT,
                LegOutcome.WAITING: VisitOutcome.WAITING}


@dataclass(frozen=True)
class Visit:
    call_id: str
    queue: str
    arrived_at: datetime  # first join: the visit's bucket
    outcome: VisitOutcome
    wait: float  # seconds spent queued, over the visit's legs
    handle: float | None = None  # answered: seconds from the answer to the transfer or the end of the call
    transferred: bool = False  # answered, then transferred by the adviser (escalated)


def leg_wait(leg: LegRow) -> float:
    """Asterisk's HoldTime when known, else the leg's own times (0 while it is still open)."""
    if leg.wait_seconds is not None:
        return float(leg.wait_seconds)
    if leg.left_at is not None:
        return max(0.0, (leg.left_at - leg.joined_at).total_seconds())
    return 0.0


def handle_end(leg: LegRow, call: CallRow | None, later_joins: Iterable[datetime]) -> datetime | None:
    """When the adviser who answered `leg` stopped handling the call: the transfer for a transferred leg,
    otherwise the end of the call; and never after the call joined another queue."""
    answered = leg.left_at
    if answered is None:
        return None
    transferred = leg.end_reason == TRANSFER
    candidates = [t for t in later_joins if t >= answered]
    if call is not None:
        own = call.transferred_at if transferred else call.ended_at
        if own is not None and own >= answered:
            candidates.append(own)
    return min(candidates, default=None)


def _settle(legs: list[LegRow], call: CallRow | None, later_joins: list[datetime]) -> Visit:
    last = legs[-1]
    outcome = LEG_TO_VISIT[last.outcome]
    handle = None
    if outcome is VisitOutcome.ANSWERED and last.left_at is not None:
        end = handle_end(last, call, later_joins)
        handle = (end - last.left_at).total_seconds() if end is not None else None
    return Visit(call_id=last.call_id, queue=last.queue, arrived_at=legs[0].joined_at, outcome=outcome,
                 wait=sum(leg_wait(leg) for leg in legs), handle=handle,
                 transferred=outcome is VisitOutcome.ANSWERED and last.end_reason == TRANSFER)


def visits(legs: Iterable[LegRow], calls: Mapping[str, CallRow]) -> list[Visit]:
    by_call: dict[str, list[LegRow]] = defaultdict(list)
    for leg in legs:
        by_call[leg.call_id].append(leg)
    out: list[Visit] = []
    for call_id, call_legs in by_call.items():
        call_legs.sort(key=lambda leg: (leg.joined_at, leg.id))
        groups: list[list[LegRow]] = []
        open_group: dict[str, list[LegRow]] = {}
        for leg in call_legs:
            group = open_group.get(leg.queue)
            if group is None:
                group = open_group[leg.queue] = []
                groups.append(group)
            group.append(leg)
            if leg.outcome in SETTLING:
                del open_group[leg.queue]
        for group in groups:
            joins = [leg.joined_at for leg in call_legs if leg.joined_at > group[-1].joined_at]
            out.append(_settle(group, calls.get(call_id), joins))
    return out
