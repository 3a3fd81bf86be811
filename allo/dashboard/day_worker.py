"""Today's dashboard figures counted in a worker process, not in the service.

Counting is pure Python over every row of the day (the report's own counting, allo/dashboard/kpi.py). In a thread
of the service it held the GIL: each time the event loop released it for a socket write it waited up to the
interpreter's 5 ms switch interval to get it back, and a document sent to 200 dashboard pages waited ~0.4 s
behind a day of 50,000 calls (bench section 4: p99 431-505 ms, against 72-87 ms with an empty day). Reading the
rows (asyncpg decoding, SQLAlchemy rows) also ran on the loop. The worker does both; the service receives the
small result. One worker, started on first use ("spawn": the service has threads, a fork could inherit a held
lock), restarted if it dies.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from allo.dashboard.today import load_day
from allo.dashboard.view import DayData

log = logging.getLogger(__name__)


def watch_parent(parent: int) -> None:
    """In the worker, at its start: exit when the service is gone. A service killed outright (SIGKILL, OOM) cannot
    shut its pool down, and the worker holds both ends of its own call pipe, so it would wait forever."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def count_day(url: str, now: datetime, timeout: float, lost_after: float = 5.0) -> DayData:
    """In the worker: read and count today's rows on a connection of its own."""
    return asyncio.run(_count(url, now, timeout, lost_after))


async def _count(url: str, now: datetime, timeout: float, lost_after: float) -> DayData:
    engine = create_async_engine(url, poolclass=NullPool, connect_args={"timeout": timeout,
                                                                        "command_timeout": timeout})
    try:
        return await load_day(engine, now, lost_after)
    finally:
        await engine.dispose()


class DayCounter:
    """A `DayLoader` (allo/dashboard/feed.py) that counts in the worker process."""

    def __init__(self, url: str, timeout: float = 10.0, *, lost_after: float = 5.0) -> None:
        self._url = url
        self._lost_after = lost_after  # a node silent this long is shown silent (ALLO_NODE_LOST_SECONDS)
        self._timeout = timeout
        self._pool: ProcessPoolExecutor | None = None

    @property
    def worker_pids(self) -> list[int]:
        processes = getattr(self._pool, "_processes", None) or {}
        return list(processes)

    async def __call__(self, _engine: AsyncEngine, now: datetime) -> DayData:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=watch_parent, initargs=(os.getpid(),))
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, count_day, self._url, now, self._timeout,
                                              self._lost_after)
        except BrokenProcessPool:
            log.warning("the dashboard's counting process died; a new one starts with the next refresh")
            self.close()
            raise

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
