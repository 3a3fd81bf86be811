"""The one periodic leader job runner (allo/db/leader.py `LeaderJob`) against the real PostgreSQL, two engines
standing for two processes: one leads, the other takes over when it stops; a round that raises lets the lock go and
the loop goes on; stop cancels a round in progress and lets the lock go; the owners' variants (idle, hold=False,
wake, first delay)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from allo.db.leader import AdvisoryLeader, LeaderJob
from allo.settings import Settings

pytestmark = pytest.mark.integration

KEY = 3939_9922  # no service's key: the session's `allo serve` holds its own


async def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def holders(engine: AsyncEngine) -> int:
    """How many sessions hold the advisory lock KEY now."""
    async with engine.connect() as conn:
        return int(await conn.scalar(text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = :key AND granted"), {"key": KEY}))


@pytest.fixture
async def engines(test_settings: Settings, postgres: object) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    pair = (create_async_engine(test_settings.sqlalchemy_url), create_async_engine(test_settings.sqlalchemy_url))
    yield pair
    for engine in pair:
        await engine.dispose()


class Counting:
    """A job's round and idle hook that count their calls; `fail` makes the round raise."""

    def __init__(self) -> None:
        self.rounds = self.idles = self.errors = 0
        self.fail = False

    async def round(self) -> None:
        self.rounds += 1
        if self.fail:
            raise ConnectionError("database away")

    async def idle(self) -> None:
        self.idles += 1

    def on_error(self, exc: Exception) -> None:
        assert isinstance(exc, ConnectionError)
        self.errors += 1


def job(engine: AsyncEngine, counts: Counting, interval: float = 0.05, *, hold: bool = True,
        first_delay: float = 0.0) -> LeaderJob:
    return LeaderJob(engine, KEY, "test job", interval=interval, round=counts.round, idle=counts.idle,
                     on_error=counts.on_error, name="test-job", hold=hold, first_delay=first_delay)


async def test_two_runners_on_one_key_one_leads_and_the_other_takes_over_when_it_stops(engines, caplog):
    caplog.set_level(logging.INFO, logger="allo.db.leader")
    a, b = Counting(), Counting()
    first, second = job(engines[0], a), job(engines[1], b)
    await first.start()
    try:
        await until(lambda: a.rounds >= 1)
        await second.start()
        await until(lambda: b.idles >= 3)  # the second had rounds meanwhile, as the idle one
        assert first.leading and not second.leading and b.rounds == 0 and a.idles == 0
        assert await holders(engines[0]) == 1
        await first.stop()
        assert not first.leading and not first.running
        await until(lambda: b.rounds >= 1)  # taken over at its next round
        assert second.leading and await holders(engines[0]) == 1
    finally:
        await first.stop()
        await second.stop()
    assert await holders(engines[0]) == 0
    assert "test job: this process does it" in caplog.text


async def test_a_round_that_raises_lets_the_lock_go_and_the_loop_goes_on(engines):
    counts = Counting()
    counts.fail = True
    runner = job(engines[0], counts)
    assert await runner.run_once() is False  # by hand: the error told, never raised
    assert counts.errors == 1 and not runner.leading and await holders(engines[0]) == 0
    await runner.start()
    try:
        await until(lambda: counts.errors >= 3)
        assert runner.running
        counts.fail = False
        await until(lambda: runner.leading)  # the next round after the failures leads again
        assert counts.rounds > counts.errors
    finally:
        await runner.stop()


async def test_the_database_away_is_told_to_on_error_and_the_loop_goes_on(test_settings, postgres, caplog):
    away = create_async_engine(test_settings.sqlalchemy_url.rsplit("@", 1)[0] + "@127.0.0.1:1/allo")
    runner = LeaderJob(away, KEY, "test job", interval=0.05, round=Counting().round, name="test-job")
    await runner.start()
    try:
        await until(lambda: caplog.text.count("test job: round failed") >= 2)  # the default on_error: a warning
        assert runner.running and not runner.leading
    finally:
        await runner.stop()
        await away.dispose()


async def test_stop_cancels_a_round_in_progress_and_lets_the_lock_go(engines):
    entered, cancelled = asyncio.Event(), asyncio.Event()

    async def endless() -> None:
        entered.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    runner = LeaderJob(engines[0], KEY, "test job", interval=0.05, round=endless, name="test-job")
    await runner.start()
    await asyncio.wait_for(entered.wait(), 10)
    assert runner.leading and await holders(engines[1]) == 1
    await runner.stop()
    assert cancelled.is_set() and not runner.running and not runner.leading
    assert await holders(engines[1]) == 0
    other = AdvisoryLeader(engines[1], KEY, "test job (the other process)")
    try:
        assert await other.lead()  # at once: nothing left holding it
    finally:
        await other.release()


async def test_hold_false_lets_the_lock_go_after_each_round(engines):
    counts = Counting()
    runner = job(engines[0], counts, interval=3600, hold=False)
    other = AdvisoryLeader(engines[1], KEY, "test job (the other process)")
    try:
        assert await runner.run_once() is True and counts.rounds == 1
        assert not runner.leading and await holders(engines[1]) == 0
        assert await other.lead()
        assert await runner.run_once() is False and (counts.rounds, counts.idles) == (1, 1)
    finally:
        await other.release()
        await runner.stop()


async def test_wake_brings_the_next_round_forward_and_first_delay_holds_the_first(engines):
    counts = Counting()
    runner = job(engines[0], counts, interval=3600, first_delay=0.3)
    started = time.monotonic()
    await runner.start()
    try:
        await until(lambda: counts.rounds == 1)
        assert time.monotonic() - started >= 0.3
        runner.wake()
        await until(lambda: counts.rounds == 2)  # not an hour later
    finally:
        await runner.stop()
