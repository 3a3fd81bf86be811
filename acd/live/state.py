"""Live queue state (waiting callers, members, counters), fed by typed AMI events.

Pure: time comes from an injected clock, nothing here does I/O. Wire it to the AMI client with
``client.add_resync_listener(state.resync)`` and ``client.add_listener(state.apply)``.
Callers are anonymous: only channel unique ids are kept, never numbers or names.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from acd.ami.event_types import (
    AgentComplete,
    AgentConnect,
    AmiEvent,
    DeviceState,
    Hangup,
    MemberEventBase,
    QueueCallerAbandon,
    QueueCallerJoin,
    QueueCallerLeave,
    QueueEntry,
    QueueMemberRemoved,
    QueueParams,
)
from acd.wrapup import is_wrapup


@dataclass(frozen=True, slots=True)
class Instant:
    monotonic: float
    wall: float


Clock = Callable[[], Instant]


def system_clock() -> Instant:
    """The real clock, for production wiring (tests inject their own)."""
    return Instant(monotonic=time.monotonic(), wall=time.time())


@dataclass(slots=True)
class WaitingCaller:
    uniqueid: str
    position: int
    joined_monotonic: float
    joined_wall: float


@dataclass(slots=True)
class MemberState:
    interface: str
    name: str
    status: DeviceState
    paused: bool
    reason: str
    in_call: bool
    calls_taken: int
    # Wall time this member was first seen paused (kept while it stays paused, across resyncs); None if not.
    paused_since: float | None = None
    penalty: int = 0

    @property
    def available(self) -> bool:
        return not self.paused and not self.in_call and self.status is DeviceState.NOT_INUSE

    @property
    def in_wrapup(self) -> bool:
        """Paused by allo for the wrap-up of a call (from its answer to the save or deadline): at work, not on a
        pause of their own (docs/desk.md)."""
        return self.paused and is_wrapup(self.reason)


@dataclass(slots=True)
class Counters:
    joined: int = 0
    answered: int = 0
    abandoned: int = 0
    completed: int = 0


@dataclass(slots=True)
class QueueLive:
    name: str
    strategy: str = ""
    waiting: dict[str, WaitingCaller] = field(default_factory=dict)
    members: dict[str, MemberState] = field(default_factory=dict)
    counters: Counters = field(default_factory=Counters)

    def ordered_waiting(self) -> list[WaitingCaller]:
        return sorted(self.waiting.values(), key=lambda caller: (caller.position, caller.joined_monotonic))

    def renumber(self) -> None:
        for position, caller in enumerate(self.ordered_waiting(), start=1):
            caller.position = position

    def set_in_call(self, interface: str, *, in_call: bool) -> None:
        member = self.members.get(interface)
        if member is not None:
            member.in_call = in_call

    def remove_caller(self, uniqueid: str) -> bool:
        if self.waiting.pop(uniqueid, None) is None:
            return False
        self.renumber()
        return True


def _member_state(event: MemberEventBase, previous: MemberState | None, now_wall: float) -> MemberState:
    paused_since = None
    if event.paused:
        paused_since = now_wall
        if previous is not None and previous.paused and previous.paused_since is not None:
            paused_since = previous.paused_since
    return MemberState(
        interface=event.interface,
        name=event.member_name,
        status=event.device_state,
        paused=event.paused,
        reason=event.reason,
        in_call=event.in_call,
        calls_taken=event.calls_taken,
        paused_since=paused_since,
        penalty=event.penalty,
    )


class LiveState:
    """Per-queue waiting callers and members, plus counters since the last :meth:`reset_counters`."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._queues: dict[str, QueueLive] = {}
        self._counters_since = clock().wall
        self._synced_at: float | None = None

    @property
    def queues(self) -> Mapping[str, QueueLive]:
        return self._queues

    @property
    def synced_at(self) -> float | None:
        """Wall time of the last :meth:`resync`, or None before the first one."""
        return self._synced_at

    def _queue(self, name: str) -> QueueLive:
        queue = self._queues.get(name)
        if queue is None:
            queue = self._queues[name] = QueueLive(name=name)
        return queue

    def reset_counters(self) -> None:
        for queue in self._queues.values():
            queue.counters = Counters()
        self._counters_since = self._clock().wall

    def resync(self, snapshot: Iterable[AmiEvent]) -> None:
        """Replace callers, members and queues from a full ``QueueStatus`` snapshot; keep counters."""
        now = self._clock()
        kept = {name: queue.counters for name, queue in self._queues.items() if queue.counters != Counters()}
        before = {name: queue.members for name, queue in self._queues.items()}
        self._queues = {name: QueueLive(name=name, counters=counters) for name, counters in kept.items()}
        for event in snapshot:
            if isinstance(event, QueueParams):
                self._queue(event.queue).strategy = event.strategy
            elif isinstance(event, MemberEventBase) and not isinstance(event, QueueMemberRemoved):
                previous = before.get(event.queue, {}).get(event.interface)
                self._queue(event.queue).members[event.interface] = _member_state(event, previous, now.wall)
            elif isinstance(event, QueueEntry):
                self._queue(event.queue).waiting[event.uniqueid] = WaitingCaller(
                    uniqueid=event.uniqueid,
                    position=event.position,
                    joined_monotonic=now.monotonic - event.wait,
                    joined_wall=now.wall - event.wait,
                )
        for queue in self._queues.values():
            queue.renumber()
        self._synced_at = now.wall

    def apply(self, event: AmiEvent) -> None:
        """Update from one live event; events of no interest are ignored."""
        if isinstance(event, QueueCallerJoin):
            self._join(event)
        elif isinstance(event, QueueCallerLeave):
            self._queue(event.queue).remove_caller(event.uniqueid)
        elif isinstance(event, QueueCallerAbandon):
            queue = self._queue(event.queue)
            queue.counters.abandoned += 1
            queue.remove_caller(event.uniqueid)
        elif isinstance(event, AgentConnect):
            queue = self._queue(event.queue)
            queue.counters.answered += 1
            queue.remove_caller(event.uniqueid)
            queue.set_in_call(event.interface, in_call=True)
        elif isinstance(event, AgentComplete):
            queue = self._queue(event.queue)
            queue.counters.completed += 1
            queue.set_in_call(event.interface, in_call=False)
        elif isinstance(event, QueueMemberRemoved):
            self._queue(event.queue).members.pop(event.interface, None)
        elif isinstance(event, MemberEventBase):
            members = self._queue(event.queue).members
            members[event.interface] = _member_state(event, members.get(event.interface), self._clock().wall)
        elif isinstance(event, Hangup):
            for queue in self._queues.values():
                queue.remove_caller(event.uniqueid)

    def _join(self, event: QueueCallerJoin) -> None:
        queue = self._queue(event.queue)
        caller = queue.waiting.get(event.uniqueid)
        if caller is None:
            queue.counters.joined += 1
            now = self._clock()
            caller = WaitingCaller(event.uniqueid, event.position, now.monotonic, now.wall)
        else:
            del queue.waiting[event.uniqueid]
        position = event.position if event.position > 0 else len(queue.waiting) + 1
        for other in queue.waiting.values():
            if other.position >= position:
                other.position += 1
        caller.position = position
        queue.waiting[event.uniqueid] = caller
        queue.renumber()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view (no caller numbers: callers are only unique ids and wait times)."""
        now = self._clock()
        queues = [self._queues[name] for name in sorted(self._queues)]
        totals = {name: sum(getattr(queue.counters, name) for queue in queues) for name in asdict(Counters())}
        return {
            "synced_at": self._synced_at,
            "counters_since": self._counters_since,
            "waiting": sum(len(queue.waiting) for queue in queues),
            "counters": totals,
            "queues": [_queue_dict(queue, now) for queue in queues],
        }


def _queue_dict(queue: QueueLive, now: Instant) -> dict[str, Any]:
    waits = {
        caller.uniqueid: round(max(0.0, now.monotonic - caller.joined_monotonic), 1)
        for caller in queue.waiting.values()
    }
    return {
        "name": queue.name,
        "strategy": queue.strategy,
        "waiting_count": len(waits),
        "longest_wait_seconds": max(waits.values(), default=0.0),
        "members_available": sum(1 for member in queue.members.values() if member.available),
        "waiting": [
            {
                "uniqueid": caller.uniqueid,
                "position": caller.position,
                "joined_at": caller.joined_wall,
                "wait_seconds": waits[caller.uniqueid],
            }
            for caller in queue.ordered_waiting()
        ],
        "members": [
            {key: value for key, value in asdict(member).items() if key not in ("paused_since", "penalty")}
            | {"status": member.status.name.lower(), "available": member.available}
            for member in sorted(queue.members.values(), key=lambda member: member.interface)
        ],
        "counters": asdict(queue.counters),
    }
