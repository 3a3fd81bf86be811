"""Read what a report needs from PostgreSQL: queues, legs of the calls that arrived in the range, the ends of
those calls, and the callbacks requested in the range."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from functools import partial

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from allo.db.callback_models import Callback, CallbackStatus
from allo.db.chunks import fetch_in_chunks
from allo.db.models import Call, LegOutcome, Queue, QueueLeg
from allo.reports.aggregate import QueueReport, build
from allo.reports.buckets import buckets_for, local_midnight
from allo.reports.params import ReportParams
from allo.reports.rows import CallbackRow, CallRow, LegRow, QueueInfo, ReportRows


async def load_queues(engine: AsyncEngine) -> list[QueueInfo]:
    query = select(Queue.name, Queue.label, Queue.level, Queue.service_level, Queue.short_abandon,
                   Queue.sl_target_pct).order_by(Queue.level, Queue.name)
    async with engine.connect() as conn:
        return [QueueInfo(*row) for row in await conn.execute(query)]


async def load_rows(engine: AsyncEngine, params: ReportParams) -> ReportRows:
    start, end = local_midnight(params.first), local_midnight(params.last + timedelta(days=1))
    arrived = select(QueueLeg.call_id).where(QueueLeg.joined_at >= start, QueueLeg.joined_at < end)
    if params.queue:
        arrived = arrived.where(QueueLeg.queue == params.queue)
    # Every leg of those calls: a visit's earlier legs and the call's later queues matter (wait, handle time).
    legs = (select(QueueLeg.id, QueueLeg.call_id, QueueLeg.queue, QueueLeg.joined_at, QueueLeg.left_at,
                   QueueLeg.outcome, QueueLeg.wait_seconds, QueueLeg.end_reason)
            .where(QueueLeg.call_id.in_(arrived.distinct())).order_by(QueueLeg.call_id, QueueLeg.joined_at))
    calls = select(Call.call_id, Call.ended_at, Call.transferred_at, Call.relay).where(
        Call.call_id.in_(arrived.distinct()))
    callbacks = (select(Callback.queue, Callback.created_at, Callback.status, Callback.due_by, Callback.reached_at,
                        Callback.first_ringing_at)
                 .where(Callback.created_at >= start, Callback.created_at < end))
    if params.queue:
        callbacks = callbacks.where(Callback.queue == params.queue)
    async with engine.connect() as conn:
        leg_rows = await fetch_in_chunks(conn, legs, lambda r: LegRow(
            r.id, r.call_id, r.queue, r.joined_at, r.left_at, LegOutcome(r.outcome), r.wait_seconds, r.end_reason))
        call_rows = {c.call_id: c for c in await fetch_in_chunks(
            conn, calls, lambda r: CallRow(r.call_id, r.ended_at, r.transferred_at, r.relay))}
        callback_rows = await fetch_in_chunks(conn, callbacks, lambda r: CallbackRow(
            r.queue, r.created_at, CallbackStatus(r.status), r.due_by, r.reached_at, r.first_ringing_at))
    return ReportRows(leg_rows, call_rows, callback_rows)


def select_queues(queues: Sequence[QueueInfo], name: str | None) -> list[QueueInfo]:
    return [q for q in queues if name is None or q.name == name]


async def run_report(engine: AsyncEngine, params: ReportParams, queues: Sequence[QueueInfo]) -> list[QueueReport]:
    rows = await load_rows(engine, params)
    buckets = buckets_for(params.first, params.last, params.by)
    # Pure Python over every row of the range (a month of calls): off the event loop, like the dashboard's counts.
    # The relay line sums calls over the queues: in the report of every queue, not of one.
    return await asyncio.to_thread(partial(build, relay_line=params.queue is None), select_queues(queues, params.queue),
                                   buckets, params.by, rows)
