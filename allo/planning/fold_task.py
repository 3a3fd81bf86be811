"""The summary's fold inside `allo serve`: every `planning_fold_interval` seconds, by one process only (a
PostgreSQL session advisory lock chooses it, as for the confirmations' sender; the others wait to take over). A
failed fold is logged and the next one starts from the same watermark: nothing is lost."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from allo.metrics import Metrics
from allo.planning.summary import FoldReport, fold
from allo.tasks import cancel_and_wait

log = logging.getLogger(__name__)

LOCK_KEY = 3939_0020  # pg_try_advisory_lock: the one folder across `allo serve` processes


class SummaryFold:
    def __init__(self, engine: AsyncEngine, interval: float, metrics: Metrics | None = None) -> None:
        self._engine = engine
        self._interval = interval
        self._metrics = metrics
        self._lock: AsyncConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self.last: FoldReport | None = None

    @property
    def leader(self) -> bool:
        return self._lock is not None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="planning-fold")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
        await self._release()

    async def _run(self) -> None:
        while True:
            try:
                if await self._lead():
                    await self.run_once()
            except Exception as exc:  # the database away: the next round starts again from the watermark
                log.warning("planning fold failed: %s: %s", type(exc).__name__, str(exc)[:200])
                self._count("failed")
                await self._release()
            await asyncio.sleep(self._interval)

    async def run_once(self) -> FoldReport:
        started = time.monotonic()
        self.last = await fold(self._engine)
        self._count("done")
        if self._metrics is not None:
            self._metrics.planning_fold_seconds.observe(time.monotonic() - started)
        return self.last

    def _count(self, outcome: str) -> None:
        if self._metrics is not None:
            self._metrics.planning_folds.labels(outcome).inc()

    async def _lead(self) -> bool:
        """Hold the advisory lock on a connection of its own (session-level: it lasts as long as the connection)."""
        if self._lock is not None:
            await self._lock.execute(text("SELECT 1"))  # a dead connection has lost the lock: found out here
            return True
        conn = await self._engine.connect()
        try:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            got = bool(await conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}))
        except BaseException:
            await conn.close()
            raise
        if not got:
            await conn.close()
            return False
        self._lock = conn
        log.info("planning: this process folds the half-hour summary")
        return True

    async def _release(self) -> None:
        conn, self._lock = self._lock, None
        if conn is None:
            return
        with contextlib.suppress(Exception):
            await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
        with contextlib.suppress(Exception):
            await conn.close()
