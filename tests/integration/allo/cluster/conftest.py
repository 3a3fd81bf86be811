"""A database of its own per test module (emptied of calls, legs and nodes before each test), for the cluster's
adapters: heartbeat, node-loss sweeper, the callback dialler's lock, the dashboard's count."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.allo.private_db import emptied_engine, private_url_fixture

cluster_url = private_url_fixture("cluster_url", "allo_cluster", per_module=True)


@pytest.fixture
async def engine(cluster_url) -> AsyncIterator[AsyncEngine]:
    async with emptied_engine(cluster_url, text("TRUNCATE calls, queue_legs, cluster_nodes")) as engine:
        yield engine
