"""Today's answered and abandoned calls per queue, from the queue legs (Europe/Paris calendar day)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime, time
from time import monotonic

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from allo.db.models import LegOutcome, QueueLeg
from routing.calendar_types import PARIS


def start_of_day(now: datetime) -> datetime:
    """Local midnight of `now`'s Paris date, as an aware instant (correct on DST days)."""
    local = now.astimezone(PARIS)
    return datetime.combine(local.date(), time(0), tzinfo=PARIS).astimezone(UTC)


async def today_counts(engine: AsyncEngine, now: datetime) -> dict[str, dict[str, int]]:
    """{queue: {"answered": n, "abandoned": n}}: calls, once per queue (a call transferred from level 1 to a
    sector counts in both; one that left with the exit key and came back counts once)."""
    since = start_of_day(now)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"answered": 0, "abandoned": 0})
    query = (select(QueueLeg.queue, QueueLeg.outcome, func.count(func.distinct(QueueLeg.call_id)))
             .where(QueueLeg.joined_at >= since,
                    QueueLeg.outcome.in_([LegOutcome.ANSWERED, LegOutcome.ABANDONED]))
             .group_by(QueueLeg.queue, QueueLeg.outcome))
    async with engine.connect() as conn:
        for queue, outcome, count in await conn.execute(query):
            counts[queue][LegOutcome(outcome).value] = count
    return dict(counts)


class SharedTodayCounts:
    """`today_counts` shared by concurrent requests: one query in flight at a time, and an answer reused for
    `ttl` seconds. A wallboard polled by many screens cost one `count(distinct)` over the day's legs per request
    (bench: PostgreSQL at 130 % of a core for 40 requests/s); now at most one per `ttl`."""

    def __init__(self, engine: AsyncEngine, ttl: float = 0.5) -> None:
        self._engine = engine
        self._ttl = ttl
        self._lock = asyncio.Lock()
        self._value: dict[str, dict[str, int]] | None = None
        self._at = float("-inf")

    async def get(self, now: datetime) -> dict[str, dict[str, int]]:
        async with self._lock:  # waiters get the answer of the query in flight instead of starting their own
            if self._value is None or monotonic() - self._at > self._ttl:
                self._value = await today_counts(self._engine, now)
                self._at = monotonic()
            return self._value
