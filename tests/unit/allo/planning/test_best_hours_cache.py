"""The best hours' cache: computed once per cache time, the queues of the rules (general line first), the last
report kept when the summary cannot be read, and callers never waiting for a computation."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from allo.planning.best_hours import BestHours, queue_specs
from tests.unit.ivr.ivr_testkit import RULES, paris


class _Result(list[Any]):
    pass


class _Engine:
    """Answers the summary query with no row, or fails while `down`."""

    def __init__(self) -> None:
        self.reads = 0
        self.down = False

    def connect(self) -> _Engine:
        return self

    async def __aenter__(self) -> _Engine:
        self.reads += 1
        if self.down:
            raise OSError("database away")
        return self

    async def __aexit__(self, *_exc: object) -> None:
        return None

    async def execute(self, _query: object) -> _Result:
        return _Result()

    async def scalar(self, _query: object) -> None:
        return None


def best_hours(engine: _Engine, now: list[float] | None = None) -> BestHours:
    timer = now or [0.0]
    return BestHours(engine, SimpleNamespace(snapshot=RULES), lambda: paris(9, 10),  # type: ignore[arg-type]
                     count=3, weeks=8, decay=0.8, cache_seconds=60.0, timer=lambda: timer[0])


def test_the_general_line_first_then_each_sectors_queue_once() -> None:
    specs = queue_specs(RULES)
    assert specs[0].queue == RULES.services[RULES.level1_service].default_queue
    assert [s.queue for s in specs[1:]] == list(dict.fromkeys(s.queue for s in RULES.sectors.values()))


async def test_computed_once_per_cache_time_and_the_last_kept_when_the_database_is_away() -> None:
    engine, now, queues = _Engine(), [0.0], len(queue_specs(RULES))  # one read a queue
    hours = best_hours(engine, now)
    first = await hours.report()
    now[0] = 59.9
    assert await hours.report() is first and engine.reads == queues
    assert all(q.ranges == [] and q.prompts == [] for q in first.queues)  # no history: nothing to say
    engine.down = True
    now[0] = 60.0  # the cache time has passed
    assert await hours.report() is first and engine.reads == queues + 1  # the first read failed
    assert await hours.report() is first and engine.reads == queues + 1  # tried again only a cache time later
    engine.down = False
    now[0] = 120.0
    assert await hours.report() is not first and engine.reads == 2 * queues + 1
    engine.down = True
    with pytest.raises(OSError):
        await best_hours(engine).report()  # never computed: the endpoint says it is unavailable (503)


async def test_callers_never_wait_the_first_report_comes_in_the_background() -> None:
    engine = _Engine()
    hours = best_hours(engine)
    assert hours.current() is None  # nothing yet: nothing more is said to the caller
    deadline = asyncio.get_running_loop().time() + 5
    while hours.current() is None:
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.01)
    assert engine.reads == len(queue_specs(RULES))
    await hours.close()
