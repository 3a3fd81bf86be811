"""A node preferred for work done once across the cluster (the callbacks: `ALLO_CALLBACK_NODE`, docs/scaling.md):
another node leaves that work to it while it is up in `cluster_nodes` (beating, with its Asterisk), by the
database's clock. The decision is pure; `PreferredNode` reads the row."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from allo.cluster.node_loss import NodeRow, NodeState, node_state

_ROW = text("SELECT now() AS now, name, started_at, beat_at, asterisk_up, asterisk_since FROM cluster_nodes "
            "WHERE name = :name")


def leaves_it_to_the_preferred(node: str, preferred: str, row: NodeRow | None, now: datetime,
                               lost_after: timedelta) -> bool:
    """Whether this node leaves the work to the preferred one: only when there is one, it is not this node, and it
    is up (beating, with its Asterisk). A preferred node never seen is not up."""
    if not preferred or node == preferred or row is None:
        return False
    return node_state(row, now, lost_after) is NodeState.UP


class PreferredNode:
    def __init__(self, engine: AsyncEngine, node: str, preferred: str, lost_after: timedelta) -> None:
        self._engine, self._node, self._preferred, self._lost_after = engine, node, preferred, lost_after

    async def elsewhere_up(self) -> bool:
        """True while the preferred node is another one and is up; raises when the database is away."""
        if not self._preferred or self._node == self._preferred:
            return False
        async with self._engine.connect() as conn:
            found = (await conn.execute(_ROW, {"name": self._preferred})).first()
        if found is None:
            return False
        row = NodeRow(found.name, found.started_at, found.beat_at, found.asterisk_up, found.asterisk_since)
        return leaves_it_to_the_preferred(self._node, self._preferred, row, found.now, self._lost_after)
