"""Jobs started from listeners: a failure is logged, not lost; stop cancels what is still running."""

from __future__ import annotations

import asyncio
import logging

import pytest

from allo.tasks import Jobs


async def test_a_failed_job_is_logged_and_a_pending_one_is_cancelled_at_stop(caplog: pytest.LogCaptureFixture):
    jobs = Jobs(logging.getLogger("test.jobs"), "thing not done")
    blocked = asyncio.Event()

    async def fails() -> None:
        raise RuntimeError("AMI away")

    async def waits() -> None:
        await blocked.wait()

    with caplog.at_level(logging.WARNING, "test.jobs"):
        jobs.start(fails())
        jobs.start(waits())
        for _ in range(100):
            if caplog.records:
                break
            await asyncio.sleep(0.01)
        await jobs.stop()
    assert [r.getMessage() for r in caplog.records] == [
        "thing not done (tried again on the next change): RuntimeError: AMI away"]
    assert not jobs._jobs, "stop() leaves no task behind"
