"""The summary's fold inside `allo serve`: every `planning_fold_interval` seconds, by one process only (a
PostgreSQL session advisory lock chooses it, as for the confirmations' sender; the others wait to take over). A
failed fold is logged and the next one starts from the same watermark: nothing is lost."""

from __future__ import annotations

import logging
import time

from sqlalchemy.ext.asyncio import AsyncEngine

from allo.db.leader import LeaderJob
from allo.metrics import Metrics
from allo.planning.summary import FoldReport, fold

log = logging.getLogger(__name__)

LOCK_KEY = 3939_0020  # pg_try_advisory_lock: the one folder across `allo serve` processes


class SummaryFold:
    def __init__(self, engine: AsyncEngine, interval: float, metrics: Metrics | None = None, *,
                 lock_key: int = LOCK_KEY) -> None:
        self._engine = engine
        self._metrics = metrics
        self._job = LeaderJob(engine, lock_key, "planning (the half-hour summary is folded)", interval=interval,
                              round=self.run_once, name="planning-fold", on_error=self._failed)
        self.last: FoldReport | None = None

    @property
    def leader(self) -> bool:
        return self._job.leading

    @property
    def running(self) -> bool:
        return self._job.running

    async def start(self) -> None:
        await self._job.start()

    async def stop(self) -> None:
        await self._job.stop()

    def _failed(self, exc: Exception) -> None:  # the database away: the next round starts again from the watermark
        log.warning("planning fold failed: %s: %s", type(exc).__name__, str(exc)[:200])
        self._count("failed")

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

