"""The planning summary's fold runs inside the real `allo serve` (allo/service.py starts it, folding at once): the
watermark is set and every queue of the seeded database has its rows for today's half-hours up to now; a real call
answered by an adviser reaches its half-hour at the next fold."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from acd.ami.events import AgentComplete, QueueCallerJoin
from allo.db.models import Call, LegOutcome, Queue, QueueLeg
from allo.db.planning_models import PlanningHalfhour
from allo.setup import sipp
from routing.calendar_types import PARIS

pytestmark = pytest.mark.e2e


async def test_allo_serve_folds_the_summary(test_settings, running_service) -> None:
    engine = create_async_engine(test_settings.sqlalchemy_url)
    try:
        async with engine.connect() as conn:
            queues = set(await conn.scalars(select(Queue.name)))
        deadline = time.monotonic() + 2 * test_settings.planning_fold_interval + 15
        while True:
            async with engine.connect() as conn:
                mark = await conn.scalar(text("SELECT folded_until FROM planning_summary_state"))
                today = datetime.now(PARIS).date()
                folded = set(await conn.scalars(text(
                    "SELECT DISTINCT queue FROM planning_halfhours WHERE day = :day"), {"day": today}))
            if mark is not None and queues <= folded:
                break
            assert time.monotonic() < deadline, f"no fold by the service: watermark {mark}, queues {folded}"
            await asyncio.sleep(0.2)
        # the watermark is the time of a fold: it does not run ahead of the clock
        assert mark <= datetime.now(UTC)
    finally:
        await engine.dispose()


async def test_a_real_answered_call_reaches_the_summary(test_settings, running_service, ami_watch,
                                                        l1_agent) -> None:
    adviser = l1_agent.answer(talk_ms=2000)
    citizen = sipp.citizen(test_settings.sip_port, caller="0657000020", keys="1").start()
    joined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1", timeout=60)
    await ami_watch.wait_for(AgentComplete, lambda e: e.uniqueid == joined.uniqueid, timeout=30)
    for party in (citizen, adviser):
        result = await asyncio.to_thread(party.wait, 20)
        assert result.ok, result.log
    engine = create_async_engine(test_settings.sqlalchemy_url)
    try:
        deadline = time.monotonic() + test_settings.planning_fold_interval + 30
        while True:
            async with engine.connect() as conn:
                leg = (await conn.execute(select(QueueLeg.joined_at, QueueLeg.outcome, Call.ended_at).join(
                    Call, Call.call_id == QueueLeg.call_id).where(
                    QueueLeg.call_id == joined.uniqueid, QueueLeg.queue == "l1"))).first()
                row, answered = None, -1
                if leg is not None and leg.ended_at is not None:
                    local = leg.joined_at.astimezone(PARIS)
                    start = local.replace(minute=local.minute - local.minute % 30, second=0, microsecond=0)
                    answered = await conn.scalar(select(func.count()).select_from(QueueLeg).where(
                        QueueLeg.queue == "l1", QueueLeg.outcome == LegOutcome.ANSWERED,
                        QueueLeg.joined_at >= start, QueueLeg.joined_at < start + timedelta(minutes=30)))
                    row = (await conn.execute(select(PlanningHalfhour.__table__).where(
                        PlanningHalfhour.queue == "l1", PlanningHalfhour.day == local.date(),
                        PlanningHalfhour.slot == (local.hour * 60 + local.minute) // 30))).first()
            # folded after the call ended: every answered leg of that half-hour, this one's included, and its
            # handling (2 s of talk at least) counted
            if row is not None and row.updated_at >= leg.ended_at and row.answered == answered >= 1 \
                    and row.handled >= 1 and row.handle_sum_s >= 2:
                break
            assert time.monotonic() < deadline, f"the call never reached the summary: {leg}, {row}"
            await asyncio.sleep(0.5)
        assert leg.outcome == LegOutcome.ANSWERED and row.offered >= row.answered
    finally:
        await engine.dispose()
