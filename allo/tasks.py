"""Background asyncio tasks of the service (rules listener, queue figures, callback scheduler)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any


async def cancel_and_wait(task: asyncio.Task[Any] | None) -> None:
    """Stop a background loop and wait until it has really ended (None: never started)."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


class Jobs:
    """One-off jobs started from synchronous listeners (a rules version, an AMI resync) that cannot await them:
    kept until done, a failure logged with `what` and retried by the next trigger, all cancelled at stop."""

    def __init__(self, log: logging.Logger, what: str) -> None:
        self._log, self._what = log, what
        self._jobs: set[asyncio.Task[Any]] = set()

    def start(self, job: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(job)
        self._jobs.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._jobs.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self._log.warning("%s (tried again on the next change): %s: %s", self._what,
                              type(task.exception()).__name__, task.exception())

    async def stop(self) -> None:
        for task in list(self._jobs):
            task.cancel()
        await asyncio.gather(*self._jobs, return_exceptions=True)
