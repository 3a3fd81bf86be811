"""Is the service behind a queue open, from the cached routing rules (unknown queue or no rules: open)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from routing.calendar import status
from routing.rules import RulesSnapshot


@dataclass(frozen=True)
class Opening:
    is_open: bool
    next_open: datetime | None  # on the routing clock, when closed


def opening(rules: RulesSnapshot | None, queue: str, routing_now: datetime) -> Opening:
    if rules is None:
        return Opening(True, None)
    service = rules.service_of_queue(queue)
    calendar = rules.calendars.get(service.calendar) if service is not None else None
    if calendar is None:
        return Opening(True, None)
    state = status(calendar, routing_now)
    return Opening(state.is_open, state.next_open)
