"""The desks across nodes (docs/desk.md, "Two nodes"): this node's desk events out with `NOTIFY allo_desk`, the
other nodes' in with `LISTEN allo_desk`, handed to the desk hub. Several nodes only: a single node has no relay.

Out: one sender task, so that a call's `connected` and `ended` leave in the order they happened. In: one listening
connection, re-established with a backoff; an event missed while it was down is not replayed (the desk's page
re-reads its state when it reconnects, and the call's record stays readable from PostgreSQL).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from allo.db.listen import PgListener
from allo.desk.node_events import CHANNEL, MAX_PAYLOAD, NodeEvent, read_event
from allo.metrics import Metrics
from allo.tasks import cancel_and_wait

log = logging.getLogger(__name__)

MAX_QUEUED = 1000  # events waiting to be sent at most (the database away): beyond, the newest are dropped


class DeskRelay:
    def __init__(self, engine: AsyncEngine, dsn: str, node: str, metrics: Metrics) -> None:
        self._metrics = metrics
        self._engine = engine
        self.node = node
        self.deliver: Callable[[NodeEvent], None] = lambda _event: None  # the desk hub's, set once it is made
        self._outbox: asyncio.Queue[NodeEvent] = asyncio.Queue(maxsize=MAX_QUEUED)
        self._tasks: list[asyncio.Task[None]] = []
        self._listener = PgListener(dsn, CHANNEL, self._notified, name="desk relay")

    @property
    def listening(self) -> bool:
        return self._listener.listening

    def publish(self, event: NodeEvent) -> None:
        """Told to the other nodes soon (called from the hub's synchronous AMI listeners)."""
        try:
            self._outbox.put_nowait(event)
        except asyncio.QueueFull:
            self._metrics.desk_node_events.labels("dropped").inc()
            log.warning("desk event for the other nodes dropped (%s behind)", MAX_QUEUED)

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._send_loop(), name="desk-relay-send"),
                       asyncio.create_task(self._listener.run(), name="desk-relay-listen")]

    async def stop(self) -> None:
        for task in self._tasks:
            await cancel_and_wait(task)
        self._tasks = []

    def _notified(self, payload: str) -> None:
        event = read_event(payload, self.node)
        if event is None:
            return  # this node's own (LISTEN hears them too), or not ours to read
        self._metrics.desk_node_events.labels("received").inc()
        try:
            self.deliver(event)
        except Exception:  # a bug in the hub must not kill the listening connection
            log.exception("desk event of node %s not delivered", event.node)

    async def _send_loop(self) -> None:
        while True:
            event = await self._outbox.get()
            payload = event.payload()
            if len(payload.encode()) > MAX_PAYLOAD:
                self._metrics.desk_node_events.labels("dropped").inc()
                log.warning("desk event of call %s too long for NOTIFY: not sent", event.call_id)
                continue
            for attempt in range(3):
                try:
                    async with asyncio.timeout(2), self._engine.begin() as conn:
                        await conn.execute(text("SELECT pg_notify(:channel, :payload)"),
                                           {"channel": CHANNEL, "payload": payload})
                    self._metrics.desk_node_events.labels("sent").inc()
                    break
                except Exception as exc:  # the database away a moment: the event is of use for seconds only
                    log.warning("desk event not sent to the other nodes (%s), attempt %d", type(exc).__name__,
                                attempt + 1)
                    await asyncio.sleep(0.5)
            else:
                self._metrics.desk_node_events.labels("dropped").inc()
