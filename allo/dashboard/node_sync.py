"""This node's live view to `node_live`, the other nodes' rows from it (docs/dashboard.md, "Two nodes").

One task per allo with a `node_name`: every `tick` it writes its snapshot when it changed (or at least every
`keepalive` seconds, so that the others see it fresh) and reads the other nodes' rows, in one transaction (one round
trip's worth of statements, cheap). The row is deleted at stop: a node that stops cleanly leaves no stale view.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from acd.live.calls import ConnectedCall
from acd.live.state import LiveState
from allo.dashboard.node_live import RemoteRow, snapshot_of
from allo.metrics import Metrics
from allo.tasks import cancel_and_wait

log = logging.getLogger(__name__)

UPSERT = text("INSERT INTO node_live (node, snapshot, updated_at) VALUES (:node, CAST(:snapshot AS jsonb), now()) "
              "ON CONFLICT (node) DO UPDATE SET snapshot = EXCLUDED.snapshot, updated_at = EXCLUDED.updated_at")
OTHERS = text("SELECT node, snapshot, EXTRACT(EPOCH FROM clock_timestamp() - updated_at) AS age FROM node_live "
              "WHERE node <> :node")


class NodeLiveSync:
    def __init__(self, engine: AsyncEngine, node: str, live: LiveState, calls: Callable[[], Sequence[ConnectedCall]],
                 ami_up: Callable[[], bool], *, metrics: Metrics, tick: float = 1.0, keepalive: float = 2.0,
                 fresh_seconds: float = 5.0) -> None:
        self._engine = engine
        self.fresh_seconds = fresh_seconds
        metrics.node_live_views.labels("fresh").set_function(lambda: self._count(fresh=True))
        metrics.node_live_views.labels("stale").set_function(lambda: self._count(fresh=False))
        self.node = node
        self._live = live
        self._calls = calls
        self._ami_up = ami_up
        self.tick = tick
        self.keepalive = keepalive
        self._remotes: tuple[RemoteRow, ...] = ()
        self.on_stale: Callable[[set[str]], None] = lambda _nodes: None  # told after each read: the silent nodes
        self._read_at = 0.0
        self._written: str | None = None
        self._written_at = 0.0
        self._task: asyncio.Task[None] | None = None

    async def sync(self) -> None:
        """Write this node's view if it changed (or is getting old), then read the other nodes' rows."""
        encoded = json.dumps(snapshot_of(self._live, self._calls(), ami_up=self._ami_up()), separators=(",", ":"))
        write = encoded != self._written or time.monotonic() - self._written_at >= self.keepalive
        async with self._engine.begin() as conn:
            if write:
                await conn.execute(UPSERT, {"node": self.node, "snapshot": encoded})
            rows = (await conn.execute(OTHERS, {"node": self.node})).all()
        if write:
            self._written, self._written_at = encoded, time.monotonic()
        self._remotes = tuple(RemoteRow(str(r.node), _as_dict(r.snapshot), float(r.age)) for r in rows)
        self._read_at = time.monotonic()

    def remotes(self) -> tuple[RemoteRow, ...]:
        """The other nodes' rows as last read, each aged by the time since (PostgreSQL away: they go stale)."""
        since = time.monotonic() - self._read_at
        return tuple(RemoteRow(r.node, r.snapshot, r.age_seconds + since) for r in self._remotes)

    def _count(self, *, fresh: bool) -> float:
        return float(sum(1 for r in self.remotes() if (r.age_seconds <= self.fresh_seconds) is fresh))

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="node-live")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
        try:
            async with asyncio.timeout(2), self._engine.begin() as conn:
                await conn.execute(text("DELETE FROM node_live WHERE node = :node"), {"node": self.node})
        except Exception as exc:  # the database away at stop: the row goes stale, the others leave it out
            log.warning("node_live row of %s not removed: %s", self.node, type(exc).__name__)

    async def _loop(self) -> None:
        failing = False
        while True:
            started = time.monotonic()
            try:
                async with asyncio.timeout(max(self.tick * 3, 5.0)):
                    await self.sync()
                failing = False
                self.on_stale({r.node for r in self.remotes() if r.age_seconds > self.fresh_seconds})
                if (took := time.monotonic() - started) > self.tick:
                    log.warning("node_live synchronised in %.1f s (tick %.1f s)", took, self.tick)
            except Exception as exc:  # PostgreSQL away: the others' rows age; retried at the next tick
                if not failing:
                    log.warning("node_live not synchronised: %s", type(exc).__name__)
                failing = True
            await asyncio.sleep(self.tick)


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        value = json.loads(value)
    return value if isinstance(value, dict) else {}
