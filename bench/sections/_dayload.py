"""A day of calls in the database before the fan-out is measured: the dashboard counts today's rows every 3 s.

Run after section 1, the fan-out always found tens of thousands of calls of that day in PostgreSQL; run alone, none.
Both are "today" for the dashboard, whose figures are recounted from those rows while a page is open, so the
section tops the day up to `calls` synthetic answered calls (one leg each in l1, spread from local midnight to
now) and says how many were already there: the figure no longer depends on what ran before.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from allo.db.engine import make_engine

TODAY = "date_trunc('day', now() AT TIME ZONE 'Europe/Paris') AT TIME ZONE 'Europe/Paris'"

COUNT = text(f"SELECT count(*) FROM queue_legs WHERE joined_at >= {TODAY}")
CALLS = text(f"""
INSERT INTO calls (call_id, dialled, started_at, outcome, route_queue, queue_joined_at, answered_at,
                   answered_queue, agent, ended_at, end_reason, preferred_agent)
SELECT 'bday-' || :tag || '-' || n, '3939', t, 'completed', 'l1', t + interval '20 s', t + interval '50 s', 'l1',
       'bday' || (n % 60), t + interval '4 min', 'agent', false
FROM (SELECT n, {TODAY} + (now() - interval '5 min' - {TODAY}) * (n::float / :n) AS t
      FROM generate_series(1, :n) AS n) AS day
""")
LEGS = text("""
INSERT INTO queue_legs (call_id, queue, joined_at, priority, left_at, outcome, wait_seconds, agent, end_reason)
SELECT call_id, 'l1', queue_joined_at, 0, answered_at, 'answered', 30, agent, 'agent'
FROM calls WHERE call_id LIKE 'bday-' || :tag || '-%'
""")


async def top_up_day(settings: Any, calls: int, tag: str) -> dict[str, int]:
    """Add answered calls of today until there are `calls` queue legs today; how many were there, how many added."""
    engine = make_engine(settings)
    try:
        async with engine.begin() as conn:
            before = int((await conn.execute(COUNT)).scalar_one())
            missing = max(calls - before, 0)
            if missing:
                await conn.execute(CALLS, {"n": missing, "tag": tag})
                await conn.execute(LEGS, {"tag": tag})
    finally:
        await engine.dispose()
    return {"legs_today_before": before, "calls_added": missing}
