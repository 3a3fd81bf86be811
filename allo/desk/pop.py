"""The screen-pop document (docs/desk.md, SSE event `pop`), assembled from what the AMI event says and the rows
read for the call (pure: tested without a database).

What the event says (call id, queue, time waited, when) is always there; what needs PostgreSQL (the menu path,
notes, repeat caller, transfer origin) is added when it could be read in time, else `error` says so in French.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from allo.records.journey_view import CallView

DEGRADED = ("Contexte de l'appel indisponible (base de données injoignable ou trop lente) : seules la file et "
            "l'attente sont affichées.")
NOT_RECORDED = "Le parcours de cet appel n'est pas encore enregistré : seules la file et l'attente sont affichées."


class PopOrigin(enum.StrEnum):
    QUEUE = "queue"
    REPEAT = "repeat"
    CALLBACK = "callback"
    RELAY = "relay"


@dataclass(frozen=True, slots=True)
class PopRequest:
    call_id: str
    agent: str
    queue: str
    waited_s: int | None  # the event's hold time; None when the event has none (a repeat caller rung directly)
    origin: PopOrigin  # what the event says (a direct ring of a repeat caller); the call row may say more
    event_wall: float  # time.time() when allo received the AMI event


@dataclass(frozen=True, slots=True)
class Note:
    id: int
    author: str
    author_agent: str | None  # the author account's extension (their agent name), when they have one
    text: str
    created_at: datetime
    updated_at: datetime | None

    def document(self) -> dict[str, Any]:
        return {"id": self.id, "author": self.author, "text": self.text, "created_at": self.created_at.isoformat(),
                "updated_at": self.updated_at.isoformat() if self.updated_at else None}


@dataclass(frozen=True, slots=True)
class PreviousContact:
    call_id: str
    at: datetime
    reason_label: str | None
    outcome: str | None
    notes: list[Note] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CallFacts:
    """What PostgreSQL knows of the call when the pop is built."""

    view: CallView
    relay: bool
    preferred_agent: bool
    transferred_at: datetime | None
    notes: list[Note]
    previous: PreviousContact | None  # the same caller's last call within the repeat window
    level1_reason: str | None  # the level-1 adviser's wrap-up reason label (chosen during the call or after)


def origin_of(request: PopRequest, facts: CallFacts | None) -> PopOrigin:
    if facts is not None:
        if facts.view.dialled == "callback":
            return PopOrigin.CALLBACK
        if facts.relay:
            return PopOrigin.RELAY
        if facts.preferred_agent or facts.previous is not None:
            return PopOrigin.REPEAT
    return request.origin


def waited_of(request: PopRequest, facts: CallFacts | None) -> int | None:
    """The event's hold time is this queue's wait; a direct ring has none: the queue legs' waits then."""
    if request.waited_s is not None:
        return request.waited_s
    if facts is None:
        return None
    waits = [leg.wait_seconds for leg in facts.view.legs if leg.wait_seconds is not None]
    return sum(waits) if waits else None


def answered_at_of(request: PopRequest, facts: CallFacts | None) -> str:
    """When the adviser answered: their answered queue leg when recorded, else when allo received the event."""
    legs = [leg for leg in facts.view.legs if leg.agent == request.agent and leg.outcome == "answered"] \
        if facts is not None else []
    if legs and legs[-1].left_at is not None:
        return legs[-1].left_at.isoformat()
    return datetime.fromtimestamp(request.event_wall, UTC).isoformat()


def queue_of(request: PopRequest, facts: CallFacts | None) -> str:
    """The event's queue; for a call read back later (no event), the queue the adviser answered it from."""
    if request.queue or facts is None:
        return request.queue
    legs = [leg.queue for leg in facts.view.legs if leg.agent == request.agent]
    return legs[-1] if legs else facts.view.route_queue or ""


def assemble_pop(request: PopRequest, facts: CallFacts | None, *, sector: str | None, level: int,
                 with_repeat: bool, error: str | None = None) -> dict[str, Any]:
    view = facts.view if facts is not None else None
    path = None
    if view is not None:
        path = {"keys": view.keys, "steps": [line.label for line in view.trace if line.raw.startswith("menu ")],
                "sector": view.sector}
    repeat = None
    if facts is not None and facts.previous is not None and with_repeat:
        previous = facts.previous
        repeat = {"call_id": previous.call_id, "at": previous.at.isoformat(), "reason_label": previous.reason_label,
                  "outcome": previous.outcome, "notes": [n.document() for n in previous.notes]}
    transfer = None
    if level == 2 and view is not None and view.level1_agent and view.level1_agent != request.agent:
        first = view.level1_agent
        transfer = {"from_agent": first, "at": facts.transferred_at.isoformat() if facts and facts.transferred_at
                    else None, "reason_label": facts.level1_reason if facts else None,
                    "notes": [n.document() for n in (facts.notes if facts else [])
                              if first in (n.author_agent, n.author)]}
    return {
        "call_id": request.call_id,
        "agent": request.agent,
        "queue": queue_of(request, facts),
        "sector": sector,
        "level": level,
        "origin": origin_of(request, facts).value,
        "waited_s": waited_of(request, facts),
        "answered_at": answered_at_of(request, facts),
        "path": path,
        "repeat": repeat,
        "transfer": transfer,
        "notes": [n.document() for n in facts.notes] if facts is not None else [],
        "event_wall": request.event_wall,
        "error": error,
    }
