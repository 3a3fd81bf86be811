"""Call records in PostgreSQL, written from the AGI handler and from AMI queue events.

Writes never sit on the caller's path for long: each has a timeout, and a failure is logged and counted,
never raised into the call flow (the caller is routed whatever the database does).

While the database is away (a restart, a failover to the standby: docs/scaling.md § The database), the background
writes wait in the recorder's queue, in order, and are retried (backing off to 3 s) until they land: none is lost
unless the queue outgrows `max_pending` (ALLO_DB_RETRY_MAX_WRITES, ~0.5 kB a write: new writes beyond are dropped
and counted) or the process ends before the database is back. A batch whose commit was cut may have landed: it is
sent again, which the statements bear (call rows are upserts, queue legs skip a visit already there).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import logging
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import TimeoutError as PoolTimeout
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
from allo.db.errors import database_away
from allo.db.models import Call, CallOutcome
from allo.metrics import Metrics
from allo.tasks import cancel_and_wait

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


@dataclass(frozen=True, slots=True)
class _Write:
    call_id: str
    statement: Executable
    params: dict[str, Any] | None
    what: str


def rounds(batch: list[_Write]) -> list[list[list[_Write]]]:
    """The batch as rounds of groups: a call's n-th write is in round n, so each call's writes keep their order;
    within a round, writes of the same statement form one group, sent as one executemany (one round trip instead
    of one per write: under load, PostgreSQL's latency per round trip, not its work, held the writer back)."""
    depth: dict[str, int] = {}
    levels: list[dict[int, list[_Write]]] = []
    for write in batch:
        level = depth.get(write.call_id, 0)
        depth[write.call_id] = level + 1
        if level == len(levels):
            levels.append({})
        key = id(write.statement) if write.params is not None else id(write)  # raw statements stay alone
        levels[level].setdefault(key, []).append(write)
    return [list(groups.values()) for groups in levels]


_ROW_DEFAULTS = ("call_id", "dialled", "started_at", "outcome", "node")  # node: set on insert only


@functools.lru_cache(maxsize=64)
def _upsert_statement(columns: tuple[str, ...]) -> Executable:
    """INSERT ... ON CONFLICT (call_id) DO UPDATE of `columns`, with bound parameters: built once per set of
    columns (building and hashing a new statement per write was most of a write's cost in the bench profile)."""
    table = Call.__table__
    names = dict.fromkeys((*_ROW_DEFAULTS, *columns))
    stmt = insert(Call).values({name: bindparam(name, type_=table.c[name].type) for name in names})
    return stmt.on_conflict_do_update(index_elements=[Call.call_id],
                                      set_={name: stmt.excluded[name] for name in columns})


class CallRecorder:
    """Writes call records in the background, in batches: one writer task, one transaction per batch.

    One writer keeps the writes of a call in the order they were made (an AMI event must not be overwritten by an
    earlier AGI write that reached the database later), and a batch costs one connection and one commit instead of
    one each per write: at 30 calls/s a call's ten writes no longer queue for the connection pool.
    """

    RETRY_FIRST_S, RETRY_MAX_S = 0.2, 3.0

    def __init__(self, engine: AsyncEngine, metrics: Metrics, timeout: float = 2.0, max_pending: int = 100_000,
                 batch_max: int = 200, *, node: str | None = None) -> None:
        self._engine = engine
        self._node = node or None  # the node whose Asterisk holds the calls (docs/scaling.md); None: one node
        self._metrics = metrics
        self._timeout = timeout
        self._max_pending = max_pending
        self._batch_max = batch_max
        self._queue: deque[_Write] = deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._writer: asyncio.Task[None] | None = None
        # Writes submitted and not yet tried, per call: a reader that needs a call's journey (the desk's screen-pop)
        # waits until this call's are done instead of reading the database too early.
        self._pending_calls: collections.Counter[str] = collections.Counter()
        self._progress = asyncio.Event()

    @property
    def node(self) -> str | None:
        return self._node

    async def upsert(self, call_id: str, values: Mapping[str, Any]) -> bool:
        """Insert the row or update the given columns now; True when written."""
        return await self.execute(*self._upsert(call_id, values), f"call record {call_id}")

    def _upsert(self, call_id: str, values: Mapping[str, Any]) -> tuple[Executable, dict[str, Any]]:
        row = {"call_id": call_id, "dialled": "3939", "started_at": _now(), "outcome": CallOutcome.IN_MENU,
               "node": self._node, **values}
        return _upsert_statement(tuple(values)), row

    def on_event(self, event: AmiEvent) -> None:
        """AMI listener: queue events update the call row in the background."""
        update = event_update(event, _now())
        if update is None:
            return
        self.submit(*update)

    def submit(self, call_id: str, values: Mapping[str, Any]) -> None:
        """Write in the background: the caller's path never waits for the database."""
        self._enqueue(_Write(call_id, *self._upsert(call_id, dict(values)), f"call record {call_id}"))

    def submit_statement(self, call_id: str, statement: Executable, params: dict[str, Any] | None,
                         what: str) -> None:
        """Run one more statement about this call in the background, after the call's earlier writes."""
        self._enqueue(_Write(call_id, statement, params, f"{what} of {call_id}"))

    async def execute(self, statement: Executable, params: dict[str, Any] | None, what: str) -> bool:
        try:
            async with asyncio.timeout(self._timeout):
                async with self._engine.begin() as conn:
                    await conn.execute(statement, params)
        except Exception as exc:  # the call goes on whatever the database does
            self._metrics.db_writes.labels("error").inc()
            log.warning("%s not written: %s", what, type(exc).__name__)
            return False
        self._metrics.db_writes.labels("ok").inc()
        return True

    @property
    def backlog(self) -> int:
        """Writes submitted and not yet written (the retry buffer while the database is away)."""
        return len(self._queue)

    def _enqueue(self, write: _Write) -> None:
        if len(self._queue) >= self._max_pending:
            self._metrics.db_writes.labels("dropped").inc()
            log.warning("call record backlog full, %s dropped", write.what)
            return
        self._queue.append(write)
        self._pending_calls[write.call_id] += 1
        self._idle.clear()
        self._wake.set()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_forever(), name="call-records")

    async def _write_forever(self) -> None:
        delay = 0.0
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                batch = [self._queue.popleft() for _ in range(min(len(self._queue), self._batch_max))]
                if await self._write_batch(batch):
                    self._tried(batch)
                    if delay:
                        log.warning("database back: call records written again (%d pending)", len(self._queue))
                    delay = 0.0
                    continue
                # The database is away (restart, failover): keep the batch, in order, and try again; a journey
                # is lost only if the backlog overflows `max_pending` or the process dies before it is back.
                self._queue.extendleft(reversed(batch))
                if not delay:
                    log.warning("database away: %d call-record writes kept for retry", len(self._queue))
                delay = min(self.RETRY_MAX_S, max(self.RETRY_FIRST_S, delay * 2))
                self._metrics.db_writes.labels("retry").inc(len(batch))
                await asyncio.sleep(delay)
            self._idle.set()

    async def _write_batch(self, batch: list[_Write]) -> bool:
        """Write the batch; False (nothing written) when the database is away and the batch must be retried."""
        try:
            async with asyncio.timeout(self._timeout):
                async with self._engine.begin() as conn:
                    for groups in rounds(batch):
                        for group in groups:
                            many = [w.params for w in group if w.params is not None]
                            await conn.execute(group[0].statement, many if len(many) > 1 else group[0].params)
        except Exception as exc:
            # Only database work runs in this block: its timeouts and socket errors are the database away. Any
            # other error is handled here too, never raised: the writer task must not die with a batch in hand.
            if isinstance(exc, (TimeoutError, OSError, PoolTimeout)) or database_away(exc):
                return False
            if len(batch) > 1:
                # One bad statement must not take the batch's other writes with it: each on its own.
                for write in batch:
                    await self.execute(write.statement, write.params, write.what)
                return True
            self._metrics.db_writes.labels("error").inc(len(batch))
            log.warning("%d call-record writes not written (%s), first: %s", len(batch), type(exc).__name__,
                        batch[0].what)
            return True
        self._metrics.db_writes.labels("ok").inc(len(batch))
        return True

    def _tried(self, batch: list[_Write]) -> None:
        for write in batch:
            self._pending_calls[write.call_id] -= 1
            if self._pending_calls[write.call_id] <= 0:
                del self._pending_calls[write.call_id]
        self._progress.set()
        self._progress = asyncio.Event()

    async def settled(self, call_id: str, timeout: float) -> bool:
        """Wait (up to `timeout`) until every write submitted for this call was tried; False when some are not."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while self._pending_calls.get(call_id):
                    await self._progress.wait()
        return not self._pending_calls.get(call_id)

    async def drain(self, timeout: float = 5.0) -> None:
        """Wait (up to `timeout`) until every submitted write was tried, then stop the writer."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._idle.wait()
        await cancel_and_wait(self._writer)
        self._writer = None
        if self._queue:
            self._metrics.db_writes.labels("dropped").inc(len(self._queue))
            log.warning("stopping with %d call-record writes not written (database away)", len(self._queue))
