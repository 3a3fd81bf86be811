"""Queue legs (one row per visit of a call to a queue) from AMI queue events, and what the service remembers
about calls in queues while they last (first arrival, positions, overflow, preferred-agent answers).

`leg_change` is pure; `LegTracker` turns changes into statements written through the CallRecorder, in order
per call and never on the caller's path.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Integer, bindparam, cast, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.sql import Executable

from acd.ami.events import (
    AgentComplete,
    AgentConnect,
    AmiEvent,
    Hangup,
    PreferredAgentAnswer,
    QueueCallerAbandon,
    QueueCallerJoin,
    QueueCallerLeave,
)
from allo.db.models import CallOutcome, LegOutcome, QueueLeg
from allo.records.recorder import CallRecorder

OPEN = frozenset({LegOutcome.WAITING, LegOutcome.LEFT})  # not yet given its final outcome
PREFERRED = "preferred_agent"  # end_reason of a visit answered by the repeat caller's former adviser


@dataclass(frozen=True)
class LegInsert:
    call_id: str
    queue: str
    joined_at: datetime
    position: int | None
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LegUpdate:
    """Update the call's latest visit of `queue` if its outcome is in `when`; left_at/wait set once."""

    call_id: str
    queue: str
    values: Mapping[str, Any]
    when: Collection[LegOutcome]
    left_at: datetime | None = None  # stamps left_at and, unless given, the wait (first stamp wins)


LegChange = LegInsert | LegUpdate


def leg_change(event: AmiEvent, now: datetime) -> LegChange | None:
    """The change one AMI event makes to the queue legs (pure)."""
    if isinstance(event, QueueCallerJoin):
        return LegInsert(event.uniqueid, event.queue, now, event.position or None)
    if isinstance(event, AgentConnect):
        return LegUpdate(event.uniqueid, event.queue, {"outcome": LegOutcome.ANSWERED, "agent": event.member_name,
                                                       "wait_seconds": event.holdtime}, OPEN, now)
    if isinstance(event, QueueCallerAbandon):
        return LegUpdate(event.uniqueid, event.queue, {"outcome": LegOutcome.ABANDONED,
                                                       "wait_seconds": event.holdtime}, OPEN, now)
    if isinstance(event, QueueCallerLeave):
        # Left without an adviser: timeout, exit key or hang-up; the queue-exit route or Abandon says which.
        return LegUpdate(event.uniqueid, event.queue, {"outcome": LegOutcome.LEFT}, {LegOutcome.WAITING}, now)
    if isinstance(event, AgentComplete) and event.reason == "transfer":
        return LegUpdate(event.uniqueid, event.queue, {"end_reason": "transfer"}, {LegOutcome.ANSWERED})
    if isinstance(event, PreferredAgentAnswer):
        return LegInsert(event.call_id, event.queue, now, None, {
            "outcome": LegOutcome.ANSWERED, "agent": event.agent, "wait_seconds": 0, "left_at": now,
            "end_reason": PREFERRED})
    return None


def statement(change: LegChange) -> tuple[Executable, dict[str, Any]]:
    """The SQL of one change and its parameters. The statements are built once per shape and cached: building
    and hashing a new SQLAlchemy statement for every AMI event cost more than the write itself (bench profile)."""
    if isinstance(change, LegInsert):
        params = {"call_id": change.call_id, "queue": change.queue, "joined_at": change.joined_at,
                  "position": change.position, **change.values}
        return _insert(tuple(params)), params
    stamp = change.left_at is not None
    columns = tuple(change.values)
    params = {f"v_{name}": value for name, value in change.values.items()}
    params |= {"b_call_id": change.call_id, "b_queue": change.queue}
    if stamp:
        params["b_left_at"] = change.left_at
    return _update(columns, tuple(sorted(change.when)), stamp), params


def _typed(name: str, column: str) -> Any:
    return bindparam(name, type_=QueueLeg.__table__.c[column].type)


@functools.lru_cache(maxsize=32)
def _insert(columns: tuple[str, ...]) -> Executable:
    """The visit, unless it is there already (uq_queue_legs_visit: same call, queue and arrival): the recorder sends
    a batch again when the database went away during its commit, and that commit may have landed (a failover,
    docs/scaling.md); an error there would send the whole batch again one write at a time."""
    stmt = pg_insert(QueueLeg).values({name: _typed(name, name) for name in columns})
    return stmt.on_conflict_do_nothing(constraint="uq_queue_legs_visit")


@functools.lru_cache(maxsize=32)
def _update(columns: tuple[str, ...], when: tuple[LegOutcome, ...], stamp: bool) -> Executable:
    latest = select(func.max(QueueLeg.id)).where(QueueLeg.call_id == _typed("b_call_id", "call_id"),
                                                 QueueLeg.queue == _typed("b_queue", "queue")).scalar_subquery()
    values: dict[str, Any] = {name: _typed(f"v_{name}", name) for name in columns}
    if stamp:
        left_at = _typed("b_left_at", "left_at")
        values["left_at"] = func.coalesce(QueueLeg.left_at, left_at)
        if "wait_seconds" not in values:
            waited = cast(func.round(func.extract("epoch", left_at - QueueLeg.joined_at)), Integer)
            values["wait_seconds"] = func.coalesce(QueueLeg.wait_seconds, waited)
    # Equalities, not IN: an IN list is an "expanding" parameter, which executemany refuses.
    outcome_is = or_(*(QueueLeg.outcome == literal(outcome, QueueLeg.outcome.type) for outcome in when))
    return update(QueueLeg).where(QueueLeg.id == latest, outcome_is).values(values)


@dataclass
class _InQueue:
    first_arrival: datetime
    joined: dict[str, datetime] = field(default_factory=dict)  # first join per queue
    positions: dict[str, int] = field(default_factory=dict)  # position when last leaving each queue
    overflowed: bool = False
    preferred: bool = False


class LegTracker:
    """AMI listener writing queue legs; remembers calls in queues until they hang up."""

    def __init__(self, recorder: CallRecorder) -> None:
        self._recorder = recorder
        self._calls: dict[str, _InQueue] = {}

    def on_event(self, event: AmiEvent, now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        self._remember(event, now)
        change = leg_change(event, now)
        if isinstance(change, LegInsert) and self._recorder.node is not None:
            change = replace(change, values={**change.values, "node": self._recorder.node})
        if change is not None:
            self._recorder.submit_statement(change.call_id, *statement(change), f"queue leg {change.queue}")

    def _remember(self, event: AmiEvent, now: datetime) -> None:
        if isinstance(event, QueueCallerJoin):
            call = self._calls.setdefault(event.uniqueid, _InQueue(now))
            call.joined.setdefault(event.queue, now)
        elif isinstance(event, QueueCallerLeave) and event.uniqueid in self._calls:
            self._calls[event.uniqueid].positions[event.queue] = event.position
        elif isinstance(event, PreferredAgentAnswer):
            self._calls.setdefault(event.call_id, _InQueue(now)).preferred = True
        elif isinstance(event, Hangup):
            gone = self._calls.pop(event.uniqueid, None)
            if gone is not None and gone.preferred:
                # Rung outside the queue: no AgentComplete will close the call row.
                self._recorder.submit(event.uniqueid, {"ended_at": now, "outcome": CallOutcome.COMPLETED,
                                                       "end_reason": PREFERRED})

    def close(self, call_id: str, queue: str, outcome: LegOutcome, end_reason: str) -> None:
        """What only the queue-exit route knows: timeout, callback, overflow. Asterisk reports a max-wait
        timeout as QueueCallerAbandon too, so the route's word replaces an abandon of the same visit."""
        when = (*OPEN, LegOutcome.TIMEOUT, LegOutcome.ABANDONED)
        change = LegUpdate(call_id, queue, {"outcome": outcome, "end_reason": end_reason}, when,
                           datetime.now(UTC))
        self._recorder.submit_statement(call_id, *statement(change), f"queue leg {queue}")

    def first_arrival(self, call_id: str) -> datetime | None:
        call = self._calls.get(call_id)
        return call.first_arrival if call else None

    def waited(self, call_id: str, queue: str, now: datetime) -> int:
        """Seconds since the call first joined `queue` (0 if unknown)."""
        call = self._calls.get(call_id)
        joined = call.joined.get(queue) if call else None
        return max(0, round((now - joined).total_seconds())) if joined else 0

    def last_position(self, call_id: str, queue: str) -> int | None:
        call = self._calls.get(call_id)
        return call.positions.get(queue) if call else None

    def overflowed(self, call_id: str) -> bool:
        call = self._calls.get(call_id)
        return bool(call and call.overflowed)

    def mark_overflowed(self, call_id: str) -> None:
        self._calls.setdefault(call_id, _InQueue(datetime.now(UTC))).overflowed = True
