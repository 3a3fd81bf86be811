"""This node's heartbeat in `cluster_nodes` (docs/scaling.md § Node liveness): every `node_heartbeat_seconds`, the
node's name, where it listens, when its allo started, and whether its AMI is connected and since when.

Times are the database's clock minus how long ago each thing happened here (a monotonic clock): nodes on machines
whose clocks differ are judged on one clock, the database's, by the sweeper. A database outage only logs: the next
beat tries again, calls never wait for it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from allo.tasks import cancel_and_wait

log = logging.getLogger(__name__)

_BEAT = text("""
INSERT INTO cluster_nodes AS n (name, http_url, sip_address, started_at, beat_at, asterisk_up, asterisk_since)
VALUES (:name, :http_url, :sip_address, now() - make_interval(secs => CAST(:started_ago AS float8)), now(), :up,
        now() - make_interval(secs => CAST(:since_ago AS float8)))
ON CONFLICT (name) DO UPDATE SET http_url = excluded.http_url, sip_address = excluded.sip_address,
    started_at = excluded.started_at, beat_at = excluded.beat_at, asterisk_up = excluded.asterisk_up,
    asterisk_since = CASE WHEN CAST(:since_ago AS float8) IS NULL THEN n.asterisk_since ELSE excluded.asterisk_since END
""")


class AsteriskWatch:
    """When this allo's AMI last changed between connected and not (monotonic seconds); None: never seen up."""

    def __init__(self, connected: Callable[[], bool], clock: Callable[[], float] = time.monotonic) -> None:
        self._connected = connected
        self._clock = clock
        self._up = False
        self._since: float | None = None

    def on_resync(self, _snapshot: object) -> None:
        """AMI (re)connected: up from now, even if the previous beat did not see it down."""
        self._up, self._since = True, self._clock()

    def down_for(self) -> float | None:
        """Seconds since the AMI was seen lost, None when up (or never up)."""
        if self._up or self._since is None:
            return None
        return max(0.0, self._clock() - self._since)

    def observe(self) -> tuple[bool, float | None]:
        """(up, seconds since the last change or None when never up)."""
        now = self._clock()
        up = self._connected()
        if up != self._up:
            self._up = up
            if up or self._since is not None:  # down before ever up: down since the start (the sweeper's rule)
                self._since = now
        return self._up, None if self._since is None else max(0.0, now - self._since)


class Heartbeat:
    def __init__(self, engine: AsyncEngine, *, name: str, http_url: str, sip_address: str, interval: float,
                 watch: AsteriskWatch, timeout: float = 2.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._engine = engine
        self._name = name
        self._http_url = http_url
        self._sip_address = sip_address
        self._interval = interval
        self._watch = watch
        self._timeout = timeout
        self._clock = clock
        self._started = clock()
        self._task: asyncio.Task[None] | None = None
        self.beats = 0
        self.failures = 0

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="node-heartbeat")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def _run(self) -> None:
        failing = False
        while True:
            try:
                await self.beat()
                if failing:
                    log.warning("node %s: heartbeat written again", self._name)
                failing = False
            except Exception as exc:  # the database away: the next beat tries again
                self.failures += 1
                if not failing:
                    log.warning("node %s: heartbeat not written (%s: %s)", self._name, type(exc).__name__,
                                str(exc)[:200])
                failing = True
            await asyncio.sleep(self._interval)

    async def beat(self) -> None:
        up, since_ago = self._watch.observe()
        params = {"name": self._name, "http_url": self._http_url, "sip_address": self._sip_address,
                  "started_ago": self._clock() - self._started, "up": up, "since_ago": since_ago}
        async with asyncio.timeout(self._timeout), self._engine.begin() as conn:
            await conn.execute(_BEAT, params)
        self.beats += 1
