"""Section 8's fold sample: one generated day written as real `calls` and `queue_legs` rows, summarised by
allo/planning/summary.rebuild (the statement the fold runs in allo serve), timed, and the half-hours it wrote
checked against the generated counts (offered, answered, abandoned, short abandoned)."""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import create_async_engine

from allo.planning.summary import rebuild
from bench.planning_gen import Row, Year
from routing.calendar_types import PARIS

CALL_COLUMNS = ("call_id", "dialled", "started_at", "outcome", "route_queue", "queue_joined_at", "answered_at",
                "answered_queue", "agent", "ended_at", "end_reason")
LEG_COLUMNS = ("call_id", "queue", "joined_at", "left_at", "outcome", "wait_seconds", "agent", "end_reason")
CHECKED = ("offered", "answered", "abandoned", "short_abandoned")


def legs_of(rows: list[Row], seed: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Calls and legs giving exactly each row's offered, answered, abandoned and short-abandoned counts: joins
    spread over the half-hour, waits and handling times drawn around the row's own means."""
    rng = random.Random(seed)
    calls: list[tuple[Any, ...]] = []
    legs: list[tuple[Any, ...]] = []
    for row in rows:
        start = datetime(row.day.year, row.day.month, row.day.day, row.slot // 2, 30 * (row.slot % 2), tzinfo=PARIS)
        mean_wait = row.wait_sum_s / row.answered if row.answered else 30.0
        aht = row.handle_sum_s / row.answered if row.answered else 300.0
        outcomes = ["answered"] * row.answered + ["abandoned"] * (row.abandoned + row.short_abandoned)
        for index, outcome in enumerate(outcomes):
            joined = (start + timedelta(seconds=rng.uniform(0, 1799))).astimezone(UTC)
            if outcome == "answered":
                wait = rng.expovariate(1 / mean_wait)
            elif index < row.answered + row.abandoned:
                wait = 6 + rng.expovariate(1 / 55)  # past the queue's short_abandon (5 s): an abandon
            else:
                wait = rng.uniform(0, 4)  # a short abandon
            left = joined + timedelta(seconds=wait)
            call_id = f"bench-plan-{row.queue}-{row.slot}-{index}"
            agent = "bench-adviser" if outcome == "answered" else None
            ended = left + timedelta(seconds=rng.gammavariate(4, aht / 4)) if agent else left
            calls.append((call_id, "3939", joined - timedelta(seconds=20), outcome, row.queue, joined,
                          left if agent else None, row.queue if agent else None, agent, ended, "hangup"))
            legs.append((call_id, row.queue, joined, left, outcome, round(wait), agent, "hangup"))
    return calls, legs


async def fold_sample(conn: Any, sqlalchemy_url: str, year: Year, day: date, seed: int) -> dict[str, Any]:
    rows = [r for r in year.rows if r.day == day]
    calls, legs = legs_of(rows, seed)
    t0 = time.perf_counter()
    await conn.copy_records_to_table("calls", records=calls, columns=list(CALL_COLUMNS))
    await conn.copy_records_to_table("queue_legs", records=legs, columns=list(LEG_COLUMNS))
    await conn.execute("ANALYZE calls; ANALYZE queue_legs")
    insert_s = time.perf_counter() - t0
    engine = create_async_engine(sqlalchemy_url)
    try:
        t0 = time.perf_counter()
        report = await rebuild(engine, day, day, now=datetime.now(UTC))
        rebuild_s = time.perf_counter() - t0
    finally:
        await engine.dispose()
    written = {(r["queue"], r["slot"]): tuple(r[c] for c in CHECKED) for r in await conn.fetch(
        f"SELECT queue, slot, {', '.join(CHECKED)} FROM planning_halfhours WHERE day = $1 AND offered > 0", day)}
    generated = {(r.queue, r.slot): (r.offered, r.answered, r.abandoned, r.short_abandoned) for r in rows}
    wrong = sorted(k for k in generated.keys() | written.keys() if generated.get(k) != written.get(k))
    return {"day": day.isoformat(), "calls": len(calls), "legs": len(legs), "insert_s": round(insert_s, 2),
            "rebuild_s": round(rebuild_s, 3), "legs_per_s": round(len(legs) / rebuild_s) if rebuild_s else None,
            "rows_written": report.rows, "slots_with_calls": len(generated), "slots_matching": len(generated) -
            len([k for k in wrong if k in generated]), "mismatches": [
                {"key": list(k), "generated": generated.get(k), "summary": written.get(k)} for k in wrong[:5]]}
