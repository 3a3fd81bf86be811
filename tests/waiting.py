"""Waiting for a condition with a deadline, for the kits of the slow suites (tests/cluster, tests/faults): how long
it took is itself a figure they record (recovery times), so the wait returns it rather than failing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


async def wait_until(predicate: Callable[[], Awaitable[bool]], timeout: float, step: float = 0.1) -> float | None:
    """Seconds until the async `predicate()` held, or None after `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if await predicate():
            return time.monotonic() - started
        await asyncio.sleep(step)
    return None
