"""The FastAGI process's copy of the rules, reloaded within a second of a change (LISTEN allo_rules).

If PostgreSQL goes away the last snapshot keeps serving calls; a periodic version check covers a
missed notification (e.g. while the listening connection was being re-established).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from allo.db.listen import PgListener
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
        self._poll_interval = poll_interval
        self._load_timeout = load_timeout
        self._snapshot: RulesSnapshot | None = None
        self._changed = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._listeners: list[Callable[[RulesSnapshot], None]] = []
        self.reloads = 0
        # At most 2 s between attempts: after a failover to the standby (7-8 s without a primary) a 10 s cap left
        # the rules unheard for ~8 s more (make test-ha); a connection attempt every 2 s costs nothing.
        self._listener = PgListener(dsn, CHANNEL, self._notified, name="rules", on_connected=self._caught_up,
                                    retry_max_s=self.LISTEN_RETRY_MAX_S)

    @property
    def listening(self) -> bool:
        return self._listener.listening

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
        self._tasks = [asyncio.create_task(self._listener.run(), name="rules-listen"),
                       asyncio.create_task(self._reload_forever(), name="rules-reload")]

    async def stop(self) -> None:
        for task in self._tasks:
            await cancel_and_wait(task)
        self._tasks = []

    async def _caught_up(self) -> None:
        self._changed.set()  # changes made while nobody listened: reloaded by the one task that reloads

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

    def _notified(self, _payload: str) -> None:
        self._changed.set()

    async def _reload_forever(self) -> None:
        """A notification, or every `poll_interval` (a missed one), reloads while the listener is connected."""
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll_interval):
                    await self._changed.wait()
            self._changed.clear()
            if self._listener.listening:
                await self.reload()
