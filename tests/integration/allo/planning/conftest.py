"""A database of the planning tests' own, emptied before each test, with two queues and two advisers: a1 on l1,
a2 on l1 and s1."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.allo.planning import summary_kit as kit
from tests.integration.allo.private_db import emptied_engine, private_url_fixture

summary_url = private_url_fixture("summary_url", "allo_planning_summary", scope="session")


@pytest.fixture
async def db(summary_url) -> AsyncIterator[AsyncEngine]:
    async with emptied_engine(summary_url) as engine:
        await kit.reset(engine)
        async with engine.begin() as conn:
            l1 = await kit.queue(conn, "l1", service_level=20, short_abandon=5)
            s1 = await kit.queue(conn, "s1", service_level=30, short_abandon=5)
            await kit.adviser(conn, "a1", l1)
            await kit.adviser(conn, "a2", l1, s1)
        yield engine
