"""Close a lost node's calls (docs/scaling.md § Node liveness): its open calls and their open legs get
`end_reason = 'node_lost'`, ended as of the moment the node was last seen alive, in one statement (so one
transaction). Idempotent: a call already ended is never touched again.

What a cut call keeps: its outcome (in the menu, queued, answered: how far it got); its waiting leg becomes `left`
(left the queue without an adviser, not abandoned by the caller: reports and the planning summary count it as
offered, never as abandoned); its answered leg keeps `answered` with `end_reason = 'node_lost'`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from allo.records.trace_labels import NODE_LOST

log = logging.getLogger(__name__)

_CUT = """
WITH closed AS (
    UPDATE calls SET ended_at = GREATEST(started_at, :at), end_reason = :reason
    WHERE node = :node AND ended_at IS NULL {before}
    RETURNING call_id, ended_at
), legs AS (
    UPDATE queue_legs l SET
        outcome = CASE WHEN l.outcome = 'waiting' THEN CAST('left' AS leg_outcome) ELSE l.outcome END,
        left_at = COALESCE(l.left_at, GREATEST(l.joined_at, c.ended_at)),
        wait_seconds = COALESCE(l.wait_seconds,
                                CAST(round(EXTRACT(EPOCH FROM GREATEST(l.joined_at, c.ended_at) - l.joined_at))
                                     AS integer)),
        end_reason = :reason
    FROM closed c
    WHERE l.call_id = c.call_id
      AND (l.outcome IN ('waiting', 'left') OR (l.outcome = 'answered' AND l.end_reason IS NULL))
    RETURNING l.id
)
SELECT (SELECT count(*) FROM closed) AS calls, (SELECT count(*) FROM legs) AS legs
"""
_CUT_ALL = text(_CUT.format(before=""))
_CUT_BEFORE = text(_CUT.format(before="AND started_at < :before"))


_REVIVE = text("""
WITH revived AS (
    UPDATE calls SET ended_at = NULL, end_reason = NULL
    WHERE node = :node AND end_reason = :reason AND started_at >= :booted AND call_id = ANY(:live)
    RETURNING call_id
), legs AS (
    UPDATE queue_legs l SET
        outcome = CASE WHEN l.outcome = 'left' THEN CAST('waiting' AS leg_outcome) ELSE l.outcome END,
        left_at = CASE WHEN l.outcome = 'left' THEN NULL ELSE l.left_at END,
        wait_seconds = CASE WHEN l.outcome = 'left' THEN NULL ELSE l.wait_seconds END,
        end_reason = NULL
    FROM revived r
    WHERE l.call_id = r.call_id AND l.end_reason = :reason
    RETURNING l.id
)
SELECT (SELECT count(*) FROM revived) AS calls, (SELECT count(*) FROM legs) AS legs
""")


@dataclass(frozen=True, slots=True)
class Cut:
    calls: int
    legs: int


async def cut_calls(conn: AsyncConnection, node: str, at: datetime, *, started_before: datetime | None = None) -> Cut:
    """Close `node`'s open calls (those started before `started_before` when given) as cut at `at`."""
    params: dict[str, object] = {"node": node, "at": at, "reason": NODE_LOST}
    if started_before is None:
        row = (await conn.execute(_CUT_ALL, params)).one()
    else:
        row = (await conn.execute(_CUT_BEFORE, params | {"before": started_before})).one()
    return Cut(int(row.calls), int(row.legs))


async def revive_calls(conn: AsyncConnection, node: str, booted: datetime, live: list[str]) -> Cut:
    """Reopen `node`'s calls closed as cut that its Asterisk (up since `booted`) still holds (`live`: the Uniqueids
    of its channels): the sweeper cut them because this allo was silent, but the node's Asterisk kept them (its
    dialplan carries on without allo). A waiting leg cut becomes waiting again; the AMI events that follow end it."""
    row = (await conn.execute(_REVIVE, {"node": node, "reason": NODE_LOST, "booted": booted, "live": live})).one()
    return Cut(int(row.calls), int(row.legs))


def log_cut(node: str, cause: str, at: datetime, cut: Cut) -> None:
    """The audit-like line (no caller data: node, cause, counts and time only)."""
    log.warning("node lost: node=%s cause=%s last_alive=%s calls_cut=%d legs_closed=%d", node, cause,
                at.isoformat(), cut.calls, cut.legs)
