"""One process of many does a job: the holder of a session-level PostgreSQL advisory lock (docs/after-call.md,
docs/planning.md). The lock lives on a connection of its own, so it lasts exactly as long as that connection: a
process that dies or loses its connection gives the job to the next one that asks."""

from __future__ import annotations

import contextlib
import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

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
