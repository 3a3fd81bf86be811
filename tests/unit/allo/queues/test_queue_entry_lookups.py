"""The repeat-caller look-ups are bounded: beyond MAX_LOOKUPS running at once, a call queues as usual without one."""

from __future__ import annotations

import asyncio

from acd.live.state import LiveState, system_clock
from allo.queues.entry import MAX_LOOKUPS, QueueEntryPlanner, _settle


class _StuckDatabase:
    """An engine whose connections never come (a saturated PostgreSQL or an exhausted pool)."""

    def __init__(self) -> None:
        self.connects = 0

    def connect(self) -> _StuckDatabase:
        self.connects += 1
        return self

    async def __aenter__(self) -> None:
        await asyncio.Event().wait()

    async def __aexit__(self, *exc: object) -> bool:
        return False


async def test_lookups_beyond_the_bound_are_skipped_and_the_slot_comes_back():
    db = _StuckDatabase()
    planner = QueueEntryPlanner(db, LiveState(system_clock), figures=None, repeat_days=30)  # type: ignore[arg-type]
    started = [planner.start_lookup(f"hash{n}") for n in range(MAX_LOOKUPS + 3)]
    await asyncio.sleep(0)
    assert sum(task is not None for task in started) == MAX_LOOKUPS
    assert planner.skipped_lookups == 3 and db.connects == MAX_LOOKUPS
    assert await _settle(started[0]) is None  # too slow: the caller queues as usual, the lookup is cancelled
    await asyncio.wait([started[0]])
    await asyncio.sleep(0)
    assert planner.start_lookup("again") is not None
    for task in started[1:MAX_LOOKUPS]:
        assert task is not None
        task.cancel()
    await asyncio.sleep(0)
