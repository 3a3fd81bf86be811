"""The node-loss sweeper (docs/scaling.md § Node liveness): one process across the cluster (a PostgreSQL session
advisory lock, like the planning fold) reads `cluster_nodes` with the database's clock, decides which nodes have
lost their calls (allo/cluster/node_loss.py) and closes their calls and legs as cut by a node loss."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from allo.cluster.cut_calls import cut_calls, log_cut
from allo.cluster.node_loss import NodeLoss, NodeRow, lost_nodes
from allo.db.leader import LeaderJob
from allo.metrics import Metrics

log = logging.getLogger(__name__)

LOCK_KEY = 3939_2101  # pg_try_advisory_lock: the one sweeper across `allo serve` processes

_NODES = text("SELECT now() AS now, name, started_at, beat_at, asterisk_up, asterisk_since FROM cluster_nodes")


@dataclass(frozen=True, slots=True)
class SweepReport:
    losses: tuple[NodeLoss, ...]
    calls: int
    legs: int


def _failed(exc: Exception) -> None:  # the database away: the next round decides again from the rows
    log.warning("node-loss sweep failed: %s: %s", type(exc).__name__, str(exc)[:200])


class NodeLossSweeper:
    def __init__(self, engine: AsyncEngine, *, lost_after: float, interval: float, metrics: Metrics | None = None,
                 lock_key: int = LOCK_KEY) -> None:
        self._engine = engine
        self._lost_after = timedelta(seconds=lost_after)
        self._metrics = metrics
        self._job = LeaderJob(engine, lock_key, "node-loss sweeper (calls of lost nodes are closed)",
                              interval=interval, round=self.sweep, name="node-loss-sweeper", on_error=_failed)
        self.last: SweepReport | None = None

    @property
    def leader(self) -> bool:
        return self._job.leading

    async def start(self) -> None:
        await self._job.start()

    async def stop(self) -> None:
        await self._job.stop()

    async def round(self) -> SweepReport | None:
        """One sweep if this process holds the lock (taken now if free); None when another one sweeps."""
        if not await self._job.lead():
            return None
        return await self.sweep()

    async def sweep(self) -> SweepReport:
        """Decide and close, in one transaction: the rows read and the calls closed are of the same moment."""
        calls = legs = 0
        async with self._engine.begin() as conn:
            rows = (await conn.execute(_NODES)).all()
            now = rows[0].now if rows else None
            snapshot = [NodeRow(r.name, r.started_at, r.beat_at, r.asterisk_up, r.asterisk_since) for r in rows]
            losses = lost_nodes(snapshot, now, self._lost_after) if now is not None else []
            for loss in losses:
                cut = await cut_calls(conn, loss.node, loss.last_alive)
                if cut.calls or cut.legs:
                    log_cut(loss.node, loss.cause, loss.last_alive, cut)
                    if self._metrics is not None:
                        self._metrics.calls_node_lost.labels(loss.node).inc(cut.calls)
                calls, legs = calls + cut.calls, legs + cut.legs
        self.last = SweepReport(tuple(losses), calls, legs)
        return self.last
