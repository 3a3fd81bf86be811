"""A raw AMI listener for the benchmarks: the few events they measure, with Asterisk's own timestamps.

manager.conf sets `timestampevents = yes`, so each event carries `Timestamp` (seconds, microseconds) from
Asterisk's clock: answer-to-queue-join is computed from two Asterisk timestamps, not from our event loop.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from panoramisk import Manager

WATCHED = ("Newstate", "QueueCallerJoin", "QueueCallerAbandon", "AgentConnect")
# AMI Filter for this session: a slow reader makes Asterisk hold every event for it in memory (the first full
# run ended with Asterisk at 1.7 GB), so the watcher asks for what it measures only; Newstate only when "Up".
FILTERS = ({"MatchCriteria": "name(Newstate),header(ChannelStateDesc),method(exact)", "Filter": "Up"},
           *({"MatchCriteria": f"name({name})"} for name in WATCHED[1:]), {"MatchCriteria": "name(FullyBooted)"})


@dataclass(frozen=True)
class Seen:
    name: str
    uniqueid: str
    asterisk_ts: float  # Asterisk's Timestamp header
    received: float  # time.time() when our listener got it
    fields: dict[str, str]


@dataclass
class AmiWatch:
    host: str
    port: int
    username: str
    secret: str
    events: list[Seen] = field(default_factory=list)
    _manager: Any = None

    async def start(self) -> None:
        self._manager = Manager(host=self.host, port=self.port, username=self.username, secret=self.secret,
                                ping_delay=0, reconnect_timeout=1)
        for name in WATCHED:
            self._manager.register_event(name, self._on_event)
        await asyncio.wait_for(self._manager.connect(), 15)
        if self._manager.authenticated_future is not None:
            await asyncio.wait_for(self._manager.authenticated_future, 15)
        for criteria in FILTERS:
            reply = await asyncio.wait_for(
                self._manager.send_action({"Action": "Filter", "Operation": "Add", **criteria}, as_list=False), 5)
            if not reply.success:
                raise RuntimeError(f"AMI Filter {criteria} refused: {dict(reply)}")

    def _on_event(self, _manager: Any, message: Any) -> None:
        fields = {str(k): str(v) for k, v in dict(message).items()}
        self.events.append(Seen(fields.get("Event", ""), fields.get("Uniqueid", ""),
                                float(fields.get("Timestamp", "0") or 0), time.time(), fields))

    def mark(self) -> int:
        """Position to read events from (for one load step)."""
        return len(self.events)

    def since(self, mark: int) -> list[Seen]:
        return self.events[mark:]

    async def stop(self) -> None:
        if self._manager is not None:
            self._manager.close()
