"""Read today's rows from PostgreSQL and turn them into the dashboard's day figures (Europe/Paris day).

The figures are the report's for today: the rows come from the reports' loader, the counting from
`allo.reports` (see allo/dashboard/kpi.py). Only the dashboard's own counts are read here.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from allo.cluster.node_loss import NodeRow, node_state
from allo.dashboard.help import open_help
from allo.dashboard.kpi import (
    PENDING_CALLBACKS,
    QueueTargets,
    calls_taken,
    day_figures,
    pending_callbacks,
    transferred_in,
)
from allo.dashboard.view import AgentInfo, DayData, NodeInfo
from allo.db.callback_models import Callback, CallbackStatus
from allo.db.chunks import fetch_in_chunks
from allo.db.models import Agent, AgentQueue, Call, CallOutcome, LegOutcome, Queue, QueueLeg
from allo.records.trace_labels import NODE_LOST
from allo.reports.buckets import Granularity, local_midnight
from allo.reports.fetch import load_rows
from allo.reports.params import ReportParams
from routing.calendar_types import PARIS

_NODES = text("SELECT now() AS now, name, started_at, beat_at, asterisk_up, asterisk_since FROM cluster_nodes "
              "ORDER BY name")


async def cluster_day(conn: AsyncConnection, since: datetime, lost_after: float) -> tuple[int, tuple[NodeInfo, ...]]:
    """Today's calls cut by a node loss, and each node's state now (the database's clock, as the sweeper's)."""
    cut = await conn.scalar(select(func.count()).select_from(Call).where(Call.started_at >= since,
                                                                         Call.end_reason == NODE_LOST))
    nodes = []
    for r in await conn.execute(_NODES):
        row = NodeRow(r.name, r.started_at, r.beat_at, r.asterisk_up, r.asterisk_since)
        nodes.append(NodeInfo(r.name, node_state(row, r.now, timedelta(seconds=lost_after)).value,
                              round(max(0.0, (r.now - r.beat_at).total_seconds()), 1)))
    return int(cut or 0), tuple(nodes)


async def load_day(engine: AsyncEngine, now: datetime, lost_after: float = 5.0) -> DayData:
    today = now.astimezone(PARIS).date()
    since = local_midnight(today)
    rows = await load_rows(engine, ReportParams(today, today, Granularity.DAY, None))
    async with engine.connect() as conn:
        targets = tuple(
            QueueTargets(q.name, q.label, q.level, q.sector, q.service_level, q.sl_target_pct, q.short_abandon,
                         q.asa_target, q.abandon_target_pct)
            for q in await conn.execute(select(Queue.name, Queue.label, Queue.level, Queue.sector,
                                               Queue.service_level, Queue.sl_target_pct, Queue.short_abandon,
                                               Queue.asa_target, Queue.abandon_target_pct)))
        transfers = transferred_in(await fetch_in_chunks(conn, select(Call.transferred_to).where(
            Call.transferred_at >= since, Call.transferred_to.is_not(None)), lambda row: row.transferred_to))
        pending = pending_callbacks((row.queue, CallbackStatus(row.status)) for row in await conn.execute(
            select(Callback.queue, Callback.status).where(Callback.status.in_(sorted(PENDING_CALLBACKS)))))
        taken = calls_taken(await fetch_in_chunks(conn, select(QueueLeg.agent).where(
            QueueLeg.joined_at >= since, QueueLeg.outcome == LegOutcome.ANSWERED), lambda row: row.agent))
        relay = (await conn.execute(select(
            func.count(), func.count().filter(Call.outcome == CallOutcome.QUEUED, Call.ended_at.is_(None)),
            func.count(Call.answered_at)).where(Call.started_at >= since, Call.relay))).one()
        help_open = await open_help(conn)
        node_lost, nodes = await cluster_day(conn, since, lost_after)
        served: dict[str, list[str]] = defaultdict(list)
        names: dict[str, str] = {}
        for row in await conn.execute(select(Agent.username, Agent.display_name, Queue.name)
                                      .outerjoin(AgentQueue, AgentQueue.agent_id == Agent.id)
                                      .outerjoin(Queue, Queue.id == AgentQueue.queue_id)
                                      .where(Agent.enabled).order_by(Agent.username, Queue.name)):
            names[row.username] = row.display_name
            if row.name is not None:
                served[row.username].append(row.name)
    # Counting is pure Python over every row of the day: off the event loop, so FastAGI replies do not wait for it.
    figures = await asyncio.to_thread(day_figures, targets, rows, today, transfers_in=transfers,
                                      callbacks_pending=pending)
    return DayData(
        targets=targets,
        figures=figures,
        agents=tuple(AgentInfo(username, display, tuple(served.get(username, ()))) for username, display in
                     names.items()),
        calls_taken=taken,
        relay={"arrived": relay[0], "waiting": relay[1], "answered": relay[2]},
        help=help_open,
        node_lost=node_lost,
        nodes=nodes,
        refreshed_at=time.time(),
    )
