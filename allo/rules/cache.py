"""The FastAGI process's copy of the rules, reloaded within a second of a change (LISTEN allo_rules).

If PostgreSQL goes away the last snapshot keeps serving calls; a periodic version check covers a
missed notification (e.g. while the listening connection was being re-established).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from allo.rules.load import load_rules
from allo.tasks import cancel_and_wait
from routing.rules import RulesSnapshot

log = logging.getLogger(__name__)

CHANNEL = "allo_rules"


class RulesCache:
    LISTEN_RETRY_MAX_S = 2.0

    def __init__(self, engine: AsyncEngine, dsn: str, *, poll_interval: float = 5.0,
                 load_timeout: float = 5.0) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._dsn = dsn
        self._poll_interval = poll_interval
        self._load_timeout = load_timeout
        self._snapshot: RulesSnapshot | None = None
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._listeners: list[Callable[[RulesSnapshot], None]] = []
        self.reloads = 0
        self.listening = False

    @property
    def snapshot(self) -> RulesSnapshot | None:
        return self._snapshot

    @property
    def version(self) -> int:
        return self._snapshot.version if self._snapshot else 0

    def add_listener(self, callback: Callable[[RulesSnapshot], None]) -> None:
        self._listeners.append(callback)

    async def start(self) -> None:
        await self.reload()
        self._task = asyncio.create_task(self._listen_forever(), name="rules-listen")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def reload(self) -> bool:
        """Load the rules; True when a new version was installed. Failures keep the current snapshot."""
        try:
            async with asyncio.timeout(self._load_timeout), self._sessions() as session:
                snapshot = await load_rules(session)
        except Exception as exc:  # the last good snapshot keeps serving calls
            log.warning("rules not reloaded (%s: %s); keeping version %s", type(exc).__name__, exc, self.version)
            return False
        if self._snapshot is not None and snapshot.version == self._snapshot.version:
            return False
        self._snapshot = snapshot
        self.reloads += 1
        log.info("rules version %s installed", snapshot.version)
        for callback in self._listeners:
            try:
                callback(snapshot)
            except Exception:
                log.exception("rules listener failed")
        return True

    def _notified(self, *_args: object) -> None:
        self._changed.set()

    async def _listen_forever(self) -> None:
        backoff = 0.5
        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(self._dsn, timeout=5)
                await conn.add_listener(CHANNEL, self._notified)
                self.listening = True
                backoff = 0.5
                await self.reload()  # changes made while we were not listening
                while not conn.is_closed():
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(self._poll_interval):
                            await self._changed.wait()
                    self._changed.clear()
                    await self.reload()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("rules listener down (%s); retrying in %.1f s", type(exc).__name__, backoff)
            finally:
                self.listening = False
                if conn is not None and not conn.is_closed():
                    with contextlib.suppress(Exception):
                        async with asyncio.timeout(2):
                            await conn.close()
            await asyncio.sleep(backoff)
            # At most 2 s: after a failover to the standby (7-8 s without a primary) a 10 s cap left the rules
            # unheard for ~8 s more (make test-ha); a connection attempt every 2 s costs nothing.
            backoff = min(backoff * 2, self.LISTEN_RETRY_MAX_S)
