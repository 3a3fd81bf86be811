"""Today's dashboard figures counted in the worker process: the same figures as in-process, and a worker that
dies is replaced."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from pathlib import Path

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


SERVICE = """
import asyncio, sys
from datetime import UTC, datetime
from pathlib import Path
from allo.dashboard.day_worker import DayCounter

async def main():
    counter = DayCounter(sys.argv[1])
    await counter(None, datetime.now(UTC))
    print(counter.worker_pids[0], flush=True)
    await asyncio.sleep(600)

asyncio.run(main())
"""


def test_the_worker_does_not_outlive_a_service_killed_outright(test_settings, seeded):
    service = subprocess.Popen([sys.executable, "-c", SERVICE, test_settings.sqlalchemy_url],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert service.stdout is not None
        worker = int(service.stdout.readline())
        os.kill(service.pid, signal.SIGKILL)
        service.wait(10)
        deadline = time.monotonic() + 10
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(worker)
    finally:
        service.kill()
        service.wait()
        if service.stdout is not None:
            service.stdout.close()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1].split()[0]
    except OSError:
        return False
    return state != "Z"
