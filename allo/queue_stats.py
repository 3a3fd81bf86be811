"""Today's answered and abandoned calls per queue, from the call records (Europe/Paris calendar day)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from allo.db.models import Call, CallOutcome

PARIS = ZoneInfo("Europe/Paris")


def start_of_day(now: datetime) -> datetime:
    """Local midnight of `now`'s Paris date, as an aware instant (correct on DST days)."""
    local = now.astimezone(PARIS)
    return datetime.combine(local.date(), time(0), tzinfo=PARIS).astimezone(UTC)


async def today_counts(engine: AsyncEngine, now: datetime) -> dict[str, dict[str, int]]:
    """{queue: {"answered": n, "abandoned": n}}; a transferred call counts where it was answered last."""
    since = start_of_day(now)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"answered": 0, "abandoned": 0})
    async with engine.connect() as conn:
        answered = await conn.execute(select(Call.answered_queue, func.count()).where(
            Call.started_at >= since, Call.answered_at.is_not(None)).group_by(Call.answered_queue))
        for queue, count in answered:
            if queue:
                counts[queue]["answered"] = count
        abandoned = await conn.execute(select(Call.route_queue, func.count()).where(
            Call.started_at >= since, Call.outcome == CallOutcome.ABANDONED).group_by(Call.route_queue))
        for queue, count in abandoned:
            if queue:
                counts[queue]["abandoned"] = count
    return dict(counts)
