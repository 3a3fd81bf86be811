"""tests/waiting.py: the seconds until a condition held, or None once the deadline passed."""

from __future__ import annotations

from tests.waiting import wait_until


async def test_the_seconds_until_the_condition_held():
    asked = []

    async def third_time() -> bool:
        asked.append(1)
        return len(asked) == 3

    took = await wait_until(third_time, 5.0, step=0.01)
    assert took is not None and 0.0 <= took < 5.0
    assert len(asked) == 3


async def test_none_once_the_deadline_passed():
    async def never() -> bool:
        return False

    assert await wait_until(never, 0.05, step=0.01) is None
