"""One process of many does a job: the holder of a session-level PostgreSQL advisory lock (docs/after-call.md,
docs/planning.md). The lock lives on a connection of its own, so it lasts exactly as long as that connection: a
process that dies or loses its connection gives the job to the next one that asks. `LeaderJob` is the loop around
it that every periodic owner shares (the sweeper, the fold, the outbox, retention)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from allo.tasks import cancel_and_wait

log = logging.getLogger(__name__)


class AdvisoryLeader:
    def __init__(self, engine: AsyncEngine, key: int, job: str) -> None:
        self._engine = engine
        self._key = key
        self._job = job
        self._conn: AsyncConnection | None = None

    @property
    def leading(self) -> bool:
        return self._conn is not None

    async def lead(self) -> bool:
        """True while this process holds the lock (taken now if free); raises if the database is away."""
        if self._conn is not None:
            await self._conn.execute(text("SELECT 1"))  # a dead connection has lost the lock: found out here
            return True
        conn = await self._engine.connect()
        try:
            # Autocommit: the connection then waits idle, not "idle in transaction" holding a snapshot for hours.
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            got = bool(await conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}))
        except BaseException:
            await conn.close()
            raise
        if not got:
            await conn.close()
            return False
        self._conn = conn
        log.info("%s: this process does it", self._job)
        return True

    async def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        with contextlib.suppress(Exception):
            await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
        with contextlib.suppress(Exception):
            await conn.close()


def _log_failure(job: str) -> Callable[[Exception], None]:
    def on_error(exc: Exception) -> None:
        log.warning("%s: round failed: %s: %s", job, type(exc).__name__, str(exc)[:200])
    return on_error


class LeaderJob:
    """A job done every `interval` seconds by the one process holding the lock: a task started by `start()` runs
    `round` when this process leads (the lock taken then if free), `idle` when another one does. A round that raises
    is told to `on_error` and lets the lock go (a dead connection has lost it anyway); the loop goes on. `stop()`
    cancels the task and lets the lock go. Differences of owners, explicit:
    - `first_delay`: seconds before the first round (the service settled first);
    - `hold=False`: the lock let go after each round, for a job so rare that holding a connection between rounds
      is waste (the next round of any process may take it);
    - `wake()`: the next round now rather than at the end of the interval."""

    def __init__(self, engine: AsyncEngine, key: int, job: str, *, interval: float,
                 round: Callable[[], Awaitable[object]], name: str,
                 on_error: Callable[[Exception], None] | None = None,
                 idle: Callable[[], Awaitable[object]] | None = None,
                 first_delay: float = 0.0, hold: bool = True) -> None:
        self._leader = AdvisoryLeader(engine, key, job)
        self._interval = interval
        self._round = round
        self._name = name
        self._on_error = on_error if on_error is not None else _log_failure(job)
        self._idle = idle
        self._first_delay = first_delay
        self._hold = hold
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def leading(self) -> bool:
        return self._leader.leading

    @property
    def running(self) -> bool:
        """The loop's task started and not ended (a failing round does not end it)."""
        return self._task is not None and not self._task.done()

    async def lead(self) -> bool:
        """The lock, taken now if free, for an owner's round run by hand (raises if the database is away)."""
        return await self._leader.lead()

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=self._name)

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
        await self._leader.release()

    async def run_once(self) -> bool:
        """One round now: True when this process led and the round completed; never raises but cancellation."""
        try:
            if not await self._leader.lead():
                if self._idle is not None:
                    await self._idle()
                return False
            await self._round()
            return True
        except Exception as exc:  # the database (or what the round talks to) away: the next round tries again
            self._on_error(exc)
            await self._leader.release()
            return False
        finally:
            if not self._hold:
                await self._leader.release()

    async def _loop(self) -> None:
        if self._first_delay:
            await asyncio.sleep(self._first_delay)
        while True:
            await self.run_once()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval):
                    await self._wake.wait()
            self._wake.clear()
