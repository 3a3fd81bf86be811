"""The live feed: an AMI event reaches every subscriber within the debounce, figures come from the loader,
a failing loader keeps the last figures marked stale, stopping ends the streams."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from acd.ami.event_types import QueueCallerJoin, UnknownEvent
from acd.live.calls import ActiveCalls
from acd.live.state import LiveState, system_clock
from allo.dashboard.feed import DashboardFeed, Subscription
from allo.dashboard.help import HelpItem
from allo.dashboard.kpi import QueueTargets
from allo.dashboard.view import DayData

DAY = DayData(targets=(QueueTargets("l1", level=1),), refreshed_at=1.0)


def feed_with(load, *, tick: float = 5.0) -> tuple[DashboardFeed, LiveState]:
    live = LiveState(system_clock)
    engine = create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")  # never connected to
    return DashboardFeed(live, ActiveCalls(), engine, lambda: True, refresh_interval=60, debounce=0.05, tick=tick,
                         load=load), live


async def fixed(_engine: AsyncEngine, _now: datetime) -> DayData:
    return DAY


async def failing(_engine: AsyncEngine, _now: datetime) -> DayData:
    raise OSError("connection refused")


async def test_a_subscription_keeps_only_the_latest_document() -> None:
    subscription = Subscription()
    for document in ("a", "b", "c"):
        subscription.offer(document)
    assert await subscription.next() == "c"


async def test_an_event_is_pushed_to_every_subscriber_within_the_debounce() -> None:
    feed, live = feed_with(fixed)
    await feed.start()
    try:
        async with feed.subscription() as first, feed.subscription() as second:
            # The first refresh is published (after the debounce); take it.
            await asyncio.wait_for(first.next(), 5)
            await asyncio.wait_for(second.next(), 5)
            join = QueueCallerJoin("l1", "c1", "c1", "PJSIP/trunk-1", 1, 1)
            live.apply(join)
            sent = time.monotonic()
            feed.on_event(join)
            documents = [json.loads(await asyncio.wait_for(s.next(), 1) or "") for s in (first, second)]
            assert time.monotonic() - sent < 0.5
            assert all(d["queues"][0]["callers"][0]["uniqueid"] == "c1" for d in documents)
            feed.on_event(UnknownEvent("Newexten"))  # of no interest: nothing pushed before the tick
            await asyncio.sleep(0.2)
            assert first._latest.empty()
        assert feed.subscribers == 0
    finally:
        await feed.stop()


async def test_the_tick_republishes_without_events() -> None:
    feed, _ = feed_with(fixed, tick=0.1)
    await feed.start()
    try:
        async with feed.subscription() as subscription:
            times = set()
            for _ in range(3):
                times.add(json.loads(await asyncio.wait_for(subscription.next(), 1) or "")["generated_at"])
            assert len(times) == 3
    finally:
        await feed.stop()


async def test_a_failing_database_keeps_the_last_figures_and_says_so() -> None:
    feed, _ = feed_with(fixed)
    await feed.refresh()
    assert feed.document()["today"] == {"refreshed_at": 1.0, "error": None}
    feed._load = failing
    await feed.refresh()
    doc = feed.document()
    assert doc["today"]["refreshed_at"] == 1.0 and "stale" in doc["today"]["error"]
    assert doc["queues"][0]["name"] == "l1"


async def test_stopping_ends_open_streams() -> None:
    feed, _ = feed_with(fixed)
    await feed.start()
    async with feed.subscription() as subscription:
        await feed.stop()
        while (document := await asyncio.wait_for(subscription.next(), 1)) is not None:
            assert document


async def test_help_requests_re_read_while_the_day_is_counted_are_not_undone_by_the_day() -> None:
    """A supervisor takes a request in hand while the day is being counted: the day's (older) list must not bring
    it back on the page."""
    asked = HelpItem(7, "agent1001", None, "", datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    counting, release = asyncio.Event(), asyncio.Event()

    async def slow(_engine: AsyncEngine, _now: datetime) -> DayData:
        counting.set()
        await release.wait()
        return replace(DAY, help=(asked,))  # read before the answer

    async def none_open(_engine: AsyncEngine) -> tuple[HelpItem, ...]:
        return ()

    live = LiveState(system_clock)
    engine = create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")  # never connected to
    feed = DashboardFeed(live, ActiveCalls(), engine, lambda: True, load=slow, read_help=none_open)
    day = asyncio.create_task(feed.refresh())
    await counting.wait()
    await feed.refresh_help()  # after the answer
    release.set()
    await day
    assert feed.day.help == () and feed.day.refreshed_at == DAY.refreshed_at
    await feed.refresh()  # a day counted after the answer is trusted as it is
    assert feed.day.help == (asked,)
