"""Today's dashboard figures counted in the worker process: the same figures as in-process, and a worker that
dies is replaced."""

from __future__ import annotations

import dataclasses
import os
import signal
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime

import pytest

from allo.dashboard.day_worker import DayCounter
from allo.dashboard.today import load_day
from allo.db.engine import make_engine

pytestmark = pytest.mark.integration


def _without_time(day):
    return dataclasses.replace(day, refreshed_at=None)


async def test_the_worker_counts_what_the_service_would_and_a_dead_worker_is_replaced(test_settings, seeded):
    engine = make_engine(test_settings)
    counter = DayCounter(test_settings.sqlalchemy_url)
    now = datetime.now(UTC)
    try:
        in_process = await load_day(engine, now)
        in_worker = await counter(engine, now)
        assert in_worker.refreshed_at is not None and in_worker.targets  # the seeded queues, read by the worker
        assert _without_time(in_worker) == _without_time(in_process)
        (pid,) = counter.worker_pids
        assert pid != os.getpid()

        os.kill(pid, signal.SIGKILL)
        with pytest.raises(BrokenProcessPool):
            await counter(engine, now)  # the feed keeps its last figures and says they are stale
        again = await counter(engine, now)
        assert _without_time(again) == _without_time(in_process)
        assert counter.worker_pids and counter.worker_pids != [pid]
    finally:
        counter.close()
        await engine.dispose()
