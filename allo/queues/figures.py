"""Queue policies (max wait, overflow) and recent real waits, read from PostgreSQL in the background.

Nothing here runs on a caller's path: callers read the last figures from memory. Policies are re-read
when the rules change (the `queues` table is a rules table: writes NOTIFY) and with the recent waits
every `interval` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from acd.queues.exit_policy import MaxWaitAction, QueuePolicy
from acd.queues.wait_estimate import RecentWaits
from allo.db.models import LegOutcome, Queue, QueueLeg
from allo.queues.legs import PREFERRED
from allo.tasks import cancel_and_wait
from routing.rules import RulesSnapshot

log = logging.getLogger(__name__)

WINDOW = timedelta(minutes=60)


class QueueFigures:
    def __init__(self, engine: AsyncEngine, interval: float = 15.0, timeout: float = 3.0) -> None:
        self._engine = engine
        self._interval = interval
        self._timeout = timeout
        self.policies: dict[str, QueuePolicy] = {}
        self.recent: dict[str, RecentWaits] = {}
        self.wrapup_times: dict[str, int] = {}  # seconds of wrap-up after a call of each queue (allo owns it)
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    def policy(self, queue: str) -> QueuePolicy:
        """The queue's policy, or "no limit" for a queue we do not know (yet)."""
        return self.policies.get(queue) or QueuePolicy(queue)

    def wrapup_time(self, queue: str) -> int:
        """Seconds of wrap-up after a call of `queue` (0: none; a queue we do not know has none)."""
        return self.wrapup_times.get(queue, 0)

    def waits(self, queue: str) -> RecentWaits:
        return self.recent.get(queue) or RecentWaits()

    def on_rules(self, _snapshot: RulesSnapshot) -> None:
        """Rules listener: a queue row may have changed, re-read soon."""
        self._wake.set()

    async def refresh(self, now: datetime | None = None) -> None:
        since = (now or datetime.now(UTC)) - WINDOW
        async with asyncio.timeout(self._timeout):
            async with self._engine.connect() as conn:
                queues = (await conn.execute(select(Queue.name, Queue.max_wait, Queue.on_max_wait,
                                                    Queue.overflow_queue, Queue.ring_timeout, Queue.sector,
                                                    Queue.announce_frequency, Queue.offer_at_waiting,
                                                    Queue.offer_at_wait_s, Queue.wrapup_time))).all()
                recent = await conn.execute(
                    select(QueueLeg.queue, func.count(), func.avg(QueueLeg.wait_seconds),
                           func.avg(func.coalesce(QueueLeg.position, 1)))
                    .where(QueueLeg.outcome == LegOutcome.ANSWERED, QueueLeg.left_at >= since,
                           QueueLeg.end_reason.is_distinct_from(PREFERRED))
                    .group_by(QueueLeg.queue))
                rows = recent.all()
        self.policies = {name: QueuePolicy(name, max_wait, MaxWaitAction(then), overflow, ring, sector, every,
                                           at_waiting, at_wait)
                         for name, max_wait, then, overflow, ring, sector, every, at_waiting, at_wait, _ in queues}
        self.wrapup_times = {row[0]: max(0, int(row[-1])) for row in queues}
        self.recent = {queue: RecentWaits(int(count), float(wait or 0), float(position or 1))
                       for queue, count, wait, position in rows}

    async def start(self) -> None:
        with contextlib.suppress(Exception):  # first read best effort: the loop retries
            await self.refresh()
        self._task = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self.refresh()
            except Exception as exc:  # keep the last figures while the database is away
                log.warning("queue figures not refreshed: %s", type(exc).__name__)

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
