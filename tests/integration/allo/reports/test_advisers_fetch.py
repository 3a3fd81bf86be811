"""The per-adviser report's queries in this process against PostgreSQL (warnings are errors here): a range that
starts while the adviser is logged in and paused since the day before takes that state from the last events
before it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from allo.reports.advisers_fetch import make_advisers_report
from tests.integration.allo.advisers_kit import inserted

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def history(test_settings, seeded):
    yield from inserted(test_settings.sqlalchemy_url)


def test_the_range_starts_in_the_state_left_by_the_events_before_it(test_settings, history):
    async def report(now: datetime):
        engine = create_async_engine(test_settings.sqlalchemy_url)
        try:
            return await make_advisers_report(engine, "2026-10-25", "2026-10-25", "day", history.x, now=now)
        finally:
            await engine.dispose()

    made = asyncio.run(report(datetime(2030, 1, 1, tzinfo=UTC)))
    [x] = made.reports
    f = x.total.figures()
    # Logged in since 22:00 the day before, in the lunch pause since 23:30: the whole 25-hour day, and the pause
    # until 00:30 (+02:00).
    assert (f["logged_in_s"], f["pause_by_reason"], f["calls_taken"]) == (25 * 3600, {"dejeuner": 1800}, 4)
    assert made.pause_labels["dejeuner"] == "Déjeuner"
    # Asked at 10:00 (+01:00) that day: counted until then, 11 hours, and the calls answered so far.
    made = asyncio.run(report(datetime(2026, 10, 25, 9, tzinfo=UTC)))
    assert made.reports[0].total.figures()["logged_in_s"] == 11 * 3600
