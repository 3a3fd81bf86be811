"""Which nodes have lost their calls (pure, docs/scaling.md § Node liveness): a decision over a snapshot of
`cluster_nodes` and the database's clock, carried out by the sweeper (allo/cluster/sweeper.py).

A node has lost its calls when its allo has been silent for longer than `lost_after` (its beat is older), or when
its allo says its Asterisk has been down for longer than that. The calls are then closed as of the moment the node
was last seen alive: its last beat while its Asterisk was up, or the moment its Asterisk went down.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


class LossCause(enum.StrEnum):
    SILENT = "silent"  # no beat from its allo (allo or the whole machine gone)
    ASTERISK_DOWN = "asterisk_down"  # its allo beats but has not seen its Asterisk


class NodeState(enum.StrEnum):
    """A node as the dashboard shows it."""

    UP = "up"
    ASTERISK_DOWN = "asterisk_down"
    SILENT = "silent"


@dataclass(frozen=True, slots=True)
class NodeRow:
    """One `cluster_nodes` row. `asterisk_since` is when `asterisk_up` last changed (up since, or down since)."""

    name: str
    started_at: datetime
    beat_at: datetime
    asterisk_up: bool
    asterisk_since: datetime | None


@dataclass(frozen=True, slots=True)
class NodeLoss:
    node: str
    cause: LossCause
    last_alive: datetime  # ended_at / left_at of the calls it held


def _down_since(row: NodeRow) -> datetime:
    # Never seen up since this allo started: down since its start.
    return row.asterisk_since if row.asterisk_since is not None else row.started_at


def last_alive(row: NodeRow) -> datetime:
    """The last moment the node could still carry calls."""
    return row.beat_at if row.asterisk_up else min(_down_since(row), row.beat_at)


def lost(row: NodeRow, now: datetime, lost_after: timedelta) -> NodeLoss | None:
    """The node's loss, or None while it may still carry its calls. Exactly `lost_after` is not yet lost."""
    if now - row.beat_at > lost_after:
        return NodeLoss(row.name, LossCause.SILENT, last_alive(row))
    if not row.asterisk_up and now - _down_since(row) > lost_after:
        return NodeLoss(row.name, LossCause.ASTERISK_DOWN, last_alive(row))
    return None


def lost_nodes(rows: Iterable[NodeRow], now: datetime, lost_after: timedelta) -> list[NodeLoss]:
    """Every lost node of the snapshot, by name. A node without a row (never seen) is never lost: its calls, if
    any, are left as they are (it never said it carried any)."""
    losses = (lost(row, now, lost_after) for row in sorted(rows, key=lambda r: r.name))
    return [loss for loss in losses if loss is not None]


def node_state(row: NodeRow, now: datetime, lost_after: timedelta) -> NodeState:
    """Up, Asterisk down (its allo says so), or silent (no beat for longer than `lost_after`)."""
    if now - row.beat_at > lost_after:
        return NodeState.SILENT
    return NodeState.UP if row.asterisk_up else NodeState.ASTERISK_DOWN
