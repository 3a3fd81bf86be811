"""A database of its own per test module (emptied of calls, legs and nodes before each test), for the cluster's
adapters: heartbeat, node-loss sweeper, the callback dialler's lock, the dashboard's count."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tests.integration.allo.private_db import create_private_database, drop_private_database


@pytest.fixture(scope="module")
def cluster_url(test_settings, postgres, request) -> str:
    name = f"allo_cluster_{request.module.__name__.rsplit('.', 1)[-1][5:]}_{os.getpid()}"
    yield create_private_database(test_settings, postgres, name)
    drop_private_database(postgres, name)


@pytest.fixture
async def engine(cluster_url) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(cluster_url)
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE calls, queue_legs, cluster_nodes"))
    yield engine
    await engine.dispose()
