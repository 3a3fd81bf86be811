"""Calls in progress with an agent, from AMI events (pure): who is talking to which caller, on which channel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from acd.ami.event_types import AgentComplete, AgentConnect, AmiEvent, Hangup, PreferredAgentAnswer


@dataclass(frozen=True, slots=True)
class ConnectedCall:
    call_id: str  # the caller channel's Uniqueid (ALLO_CALL_ID)
    queue: str
    agent: str
    agent_channel: str
    connected_wall: float


class ActiveCalls:
    def __init__(self) -> None:
        self._calls: dict[str, ConnectedCall] = {}

    def apply(self, event: AmiEvent, now_wall: float) -> None:
        if isinstance(event, AgentConnect) and event.dest_channel:
            self._calls[event.uniqueid] = ConnectedCall(event.uniqueid, event.queue, event.member_name,
                                                        event.dest_channel, now_wall)
        elif isinstance(event, PreferredAgentAnswer) and event.call_id and event.channel:
            # A repeat caller rung directly (Dial, outside the queue): connected all the same, so the adviser
            # can transfer it from the desk; it ends with the caller's hang-up.
            self._calls[event.call_id] = ConnectedCall(event.call_id, event.queue, event.agent, event.channel,
                                                       now_wall)
        elif isinstance(event, AgentComplete):
            current = self._calls.get(event.uniqueid)
            if current is not None and current.queue == event.queue:
                del self._calls[event.uniqueid]
        elif isinstance(event, Hangup):
            self._calls.pop(event.uniqueid, None)

    def get(self, call_id: str) -> ConnectedCall | None:
        return self._calls.get(call_id)

    def calls(self) -> list[ConnectedCall]:
        """Every call in progress, oldest first."""
        return sorted(self._calls.values(), key=lambda c: c.connected_wall)

    def to_list(self, now_wall: float) -> list[dict[str, Any]]:
        return [{"call_id": c.call_id, "queue": c.queue, "agent": c.agent,
                 "talking_seconds": round(max(0.0, now_wall - c.connected_wall), 1)}
                for c in sorted(self._calls.values(), key=lambda c: c.connected_wall)]
