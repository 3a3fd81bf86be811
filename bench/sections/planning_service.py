"""Section 8's plan through the service's own path, when the branch has it: allo/planning/plan.week_plan (the
/planning page and its API: SQLAlchemy, one summary query per queue, the published rules' calendars), timed on the
same held-out week as the bench's own plan. Without allo/planning/plan.py (another part of issue 20), it says so."""

from __future__ import annotations

import statistics
import time
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from allo.rules.load import load_rules
from bench.sections._httpkit import percentile


async def service_plan(sqlalchemy_url: str, monday: date, runs: int) -> dict[str, Any]:
    try:
        from allo.planning.plan import PlanSettings, week_plan
    except ImportError as error:
        return {"error": f"not on this branch ({error})"}
    engine = create_async_engine(sqlalchemy_url)
    try:
        async with AsyncSession(engine) as session:
            snapshot = await load_rules(session)
        seconds: list[float] = []
        plan: Any = None
        for _ in range(runs):
            t0 = time.perf_counter()
            plan = await week_plan(engine, snapshot, monday, today=monday, settings=PlanSettings())
            seconds.append(time.perf_counter() - t0)
    finally:
        await engine.dispose()
    return {"runs": runs, "queues": len(plan.queues) if plan is not None else 0,
            "total_ms": {"p50": _ms(statistics.median(seconds)), "p95": _ms(percentile(seconds, 95)),
                         "max": _ms(max(seconds))}}


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)
