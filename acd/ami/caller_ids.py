"""The caller's Uniqueid put back into an `AgentComplete` that Asterisk sent without it.

app_queue builds `AgentComplete` from the caller channel's latest snapshot; when the caller channel is already
gone (the adviser hung up and the bridge tore the caller down first: a race inside Asterisk), the event carries
no caller fields at all, hence no `Uniqueid`. Every consumer keys the end of a call on that id (the call row,
the queue leg, the desk, the wrap-up), so an empty one would leave the call open. The member's own fields are
still there: the `AgentConnect` of the same member in the same queue says which call it was.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict

from acd.ami.event_types import AgentComplete, AgentConnect, AmiEvent

#: Calls remembered at most: an `AgentComplete` lost with a connection must not let the map grow for ever.
_LIMIT = 4096


class CallerIds:
    """Remembers, per (queue, member interface), the call the member answered; fills the id in when missing."""

    def __init__(self, limit: int = _LIMIT) -> None:
        self._limit = limit
        self._answered: OrderedDict[tuple[str, str], str] = OrderedDict()

    def __len__(self) -> int:
        return len(self._answered)

    def fill(self, event: AmiEvent) -> AmiEvent:
        """`event`, with the caller's Uniqueid filled in if it is an `AgentComplete` without one."""
        if isinstance(event, AgentConnect) and event.uniqueid:
            key = (event.queue, event.interface)
            self._answered[key] = event.uniqueid
            self._answered.move_to_end(key)
            while len(self._answered) > self._limit:
                self._answered.popitem(last=False)
        elif isinstance(event, AgentComplete):
            answered = self._answered.pop((event.queue, event.interface), None)
            if not event.uniqueid and answered is not None:
                return dataclasses.replace(event, uniqueid=answered)
        return event
