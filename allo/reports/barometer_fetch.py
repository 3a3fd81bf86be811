"""Read what the barometer needs from PostgreSQL (12 local months), then compute it off the event loop."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from allo.db.after_call_models import SurveyResponse
from allo.db.chunks import fetch_in_chunks
from allo.db.desk_models import ProcedureFlag
from allo.db.knowledge_models import KbSheet
from allo.db.models import Call, Queue, QueueLeg
from allo.reports.barometer import BarometerRows, FlagRow, MonthTally, SurveyRow, barometer_dict, compute
from allo.reports.buckets import Granularity
from allo.reports.fetch import load_queues, load_rows
from allo.reports.months import add_months, bounds, months_up_to
from allo.reports.params import ReportParams
from allo.reports.rows import QueueInfo
from allo.reports.wrapups import load_wrapup_rows
from routing.rules import LEVEL1_QUEUE


@dataclass(frozen=True)
class Barometer:
    month: date
    queues: list[QueueInfo]
    months: list[MonthTally]
    sectors: dict[str, str]  # sector → its level-2 queue's label
    document: dict[str, Any]  # barometer_dict


async def _sectors(engine: AsyncEngine) -> dict[str, str]:
    query = select(Queue.sector, Queue.label).where(Queue.sector.is_not(None))
    async with engine.connect() as conn:
        return {sector or "": label for sector, label in await conn.execute(query)}


async def load(engine: AsyncEngine, last: date) -> BarometerRows:
    first = months_up_to(last)[0]
    start, end = bounds(first)[0], bounds(last)[1]
    report = await load_rows(engine, ReportParams(first, add_months(last, 1) - timedelta(days=1),
                                                  Granularity.DAY, None))
    arrived = select(QueueLeg.call_id).where(QueueLeg.joined_at >= start, QueueLeg.joined_at < end)
    transfers = select(Call.call_id, Call.transferred_to).where(
        Call.transferred_to.is_not(None), Call.call_id.in_(arrived.distinct()))
    surveys = select(SurveyResponse.started_at, SurveyResponse.status, SurveyResponse.satisfaction,
                     SurveyResponse.answered).where(SurveyResponse.started_at >= start,
                                                    SurveyResponse.started_at < end)
    flags = (select(ProcedureFlag.created_at, ProcedureFlag.sheet_id, ProcedureFlag.procedure, KbSheet.title)
             .outerjoin(KbSheet, KbSheet.id == ProcedureFlag.sheet_id)
             .where(ProcedureFlag.created_at >= start, ProcedureFlag.created_at < end))
    async with engine.connect() as conn:
        transferred = {r.call_id: r.transferred_to for r in await fetch_in_chunks(conn, transfers, lambda r: r)}
        survey_rows = await fetch_in_chunks(conn, surveys, lambda r: SurveyRow(
            r.started_at, r.status, r.satisfaction, r.answered))
        flag_rows = await fetch_in_chunks(conn, flags, lambda r: FlagRow(
            r.created_at, r.title or r.sheet_id or r.procedure or ""))
    wrapups = await load_wrapup_rows(engine, start, end)
    return BarometerRows(report, transferred, wrapups, survey_rows, flag_rows)


async def make_barometer(engine: AsyncEngine, month: date) -> Barometer:
    queues = await load_queues(engine)
    rows = await load(engine, month)
    sectors = await _sectors(engine)
    # A year of legs in pure Python: off the event loop, like the reports.
    months = await asyncio.to_thread(compute, month, queues, LEVEL1_QUEUE, rows)
    return Barometer(month, queues, months, sectors, barometer_dict(months, queues, LEVEL1_QUEUE, sectors))
