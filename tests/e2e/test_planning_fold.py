"""The planning summary's fold runs inside the real `allo serve` (allo/service.py starts it, folding at once): the
watermark is set and every queue of the seeded database has its rows for today's half-hours up to now."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from allo.db.models import Queue
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
