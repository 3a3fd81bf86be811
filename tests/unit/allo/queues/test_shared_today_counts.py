"""GET /api/queues' today counts: concurrent requests share one query, reused for the TTL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

import allo.queues.stats as queue_stats

NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


async def test_concurrent_requests_share_one_query_and_reuse_it_for_the_ttl(monkeypatch):
    queries = 0

    async def fake_counts(_engine, _now):
        nonlocal queries
        queries += 1
        await asyncio.sleep(0.05)
        return {"l1": {"answered": queries, "abandoned": 0}}

    monkeypatch.setattr(queue_stats, "today_counts", fake_counts)
    shared = queue_stats.SharedTodayCounts(engine=None, ttl=0.2)  # type: ignore[arg-type]
    answers = await asyncio.gather(*(shared.get(NOW) for _ in range(20)))
    assert queries == 1 and all(a == {"l1": {"answered": 1, "abandoned": 0}} for a in answers)
    await asyncio.sleep(0.25)
    assert (await shared.get(NOW))["l1"]["answered"] == 2


async def test_a_failed_query_is_not_cached(monkeypatch):
    calls = 0

    async def flaky(_engine, _now):
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError("database away")
        return {}

    monkeypatch.setattr(queue_stats, "today_counts", flaky)
    shared = queue_stats.SharedTodayCounts(engine=None)  # type: ignore[arg-type]
    with pytest.raises(OSError):
        await shared.get(NOW)
    assert await shared.get(NOW) == {} and calls == 2
