"""Call records in PostgreSQL, written from the AGI handler and from AMI queue events.

Writes never sit on the caller's path for long: each has a timeout, and a failure is logged and counted,
never raised into the call flow (the caller is routed whatever the database does).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import Executable

from acd.ami.events import (
    AgentComplete,
    AgentConnect,
    AmiEvent,
    PreferredAgentAnswer,
    QueueCallerAbandon,
    QueueCallerJoin,
)
from allo.db.models import Call, CallOutcome
from allo.metrics import Metrics

log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


def event_update(event: AmiEvent, now: datetime) -> tuple[str, dict[str, Any]] | None:
    """The columns a queue event sets on its call row (pure)."""
    if isinstance(event, QueueCallerJoin):
        return event.uniqueid, {"queue_joined_at": now, "outcome": CallOutcome.QUEUED, "route_queue": event.queue}
    if isinstance(event, AgentConnect):
        return event.uniqueid, {"answered_at": now, "outcome": CallOutcome.ANSWERED, "agent": event.member_name,
                                "answered_queue": event.queue}
    if isinstance(event, PreferredAgentAnswer):
        return event.call_id, {"answered_at": now, "outcome": CallOutcome.ANSWERED, "agent": event.agent,
                               "answered_queue": event.queue, "preferred_agent": True}
    if isinstance(event, AgentComplete) and event.reason == "transfer":
        # Blind transfer to another queue: the call goes on; the next queue's events take over.
        return event.uniqueid, {"transferred_at": now, "level1_agent": event.member_name}
    if isinstance(event, AgentComplete):
        return event.uniqueid, {"ended_at": now, "outcome": CallOutcome.COMPLETED, "end_reason": event.reason}
    if isinstance(event, QueueCallerAbandon):
        return event.uniqueid, {"ended_at": now, "outcome": CallOutcome.ABANDONED, "end_reason": "abandon"}
    return None


class CallRecorder:
    def __init__(self, engine: AsyncEngine, metrics: Metrics, timeout: float = 2.0, max_pending: int = 500):
        self._engine = engine
        self._metrics = metrics
        self._timeout = timeout
        self._pending: set[asyncio.Task[bool]] = set()
        self._last: dict[str, asyncio.Task[bool]] = {}
        self._max_pending = max_pending

    async def upsert(self, call_id: str, values: Mapping[str, Any]) -> bool:
        """Insert the row or update the given columns; True when written."""
        row = {"call_id": call_id, "dialled": "3939", "started_at": _now(), "outcome": CallOutcome.IN_MENU,
               **values}
        statement = insert(Call).values(**row).on_conflict_do_update(
            index_elements=[Call.call_id], set_={key: row[key] for key in values})
        return await self.execute(statement, f"call record {call_id}")

    def on_event(self, event: AmiEvent) -> None:
        """AMI listener: queue events update the call row in the background."""
        update = event_update(event, _now())
        if update is None:
            return
        self.submit(*update)

    def submit(self, call_id: str, values: Mapping[str, Any]) -> None:
        """Write in the background: the caller's path never waits for the database."""
        row = dict(values)
        self._enqueue(call_id, lambda: self.upsert(call_id, row))

    def submit_statement(self, call_id: str, statement: Executable, what: str) -> None:
        """Run one more statement about this call in the background, after the call's earlier writes."""
        self._enqueue(call_id, lambda: self.execute(statement, f"{what} of {call_id}"))

    async def execute(self, statement: Executable, what: str) -> bool:
        try:
            async with asyncio.timeout(self._timeout):
                async with self._engine.begin() as conn:
                    await conn.execute(statement)
        except Exception as exc:  # the call goes on whatever the database does
            self._metrics.db_writes.labels("error").inc()
            log.warning("%s not written: %s", what, type(exc).__name__)
            return False
        self._metrics.db_writes.labels("ok").inc()
        return True

    def _enqueue(self, call_id: str, write: Callable[[], Awaitable[bool]]) -> None:
        if len(self._pending) >= self._max_pending:
            self._metrics.db_writes.labels("dropped").inc()
            log.warning("call record backlog full, update for %s dropped", call_id)
            return
        previous = self._last.get(call_id)
        task = asyncio.create_task(self._after(previous, write))
        self._pending.add(task)
        self._last[call_id] = task
        task.add_done_callback(lambda done: self._forget(call_id, done))

    async def _after(self, previous: asyncio.Task[bool] | None, write: Callable[[], Awaitable[bool]]) -> bool:
        # Writes of one call land in the order they were made (an AMI event must not be overwritten
        # by an earlier AGI write that reached the database later).
        if previous is not None:
            await asyncio.wait({previous})
        return await write()

    def _forget(self, call_id: str, task: asyncio.Task[bool]) -> None:
        self._pending.discard(task)
        if self._last.get(call_id) is task:
            del self._last[call_id]

    async def drain(self, timeout: float = 5.0) -> None:
        if self._pending:
            await asyncio.wait(set(self._pending), timeout=timeout)
