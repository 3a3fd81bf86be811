"""The private-database kit (tests/integration/allo/private_db.py) against the session's PostgreSQL: the name, the
database there for the block and gone after it, the engine started from emptied tables and disposed."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from tests.integration.allo.private_db import emptied_engine, private_database, private_name, private_url_fixture

pytestmark = pytest.mark.integration

kit_url = private_url_fixture("kit_url", "allo_kit")


def test_a_name_has_the_prefix_the_module_without_test_and_the_process_id() -> None:
    pid = os.getpid()
    assert private_name("allo_kb") == f"allo_kb_{pid}"
    assert private_name("allo_cluster", "tests.integration.allo.cluster.test_heartbeat") == \
        f"allo_cluster_heartbeat_{pid}"


def _exists(postgres, name: str) -> bool:
    return bool(postgres.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'").strip())


def test_the_database_is_there_migrated_for_the_block_and_dropped_after(test_settings, postgres) -> None:
    name = private_name("allo_kit_block")
    with private_database(test_settings, postgres, name) as url:
        assert url.endswith(f"/{name}")
        assert _exists(postgres, name)
        assert postgres.psql("SELECT count(*) FROM alembic_version", database=name).strip() == "1"
    assert not _exists(postgres, name)


def test_the_fixture_gives_the_modules_database(kit_url, postgres) -> None:
    assert kit_url.endswith(f"/allo_kit_{os.getpid()}")
    assert _exists(postgres, f"allo_kit_{os.getpid()}")


async def _nodes(engine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(text("SELECT count(*) FROM cluster_nodes")) or 0)


async def test_the_engine_starts_from_the_tables_emptied_and_is_disposed_after(kit_url) -> None:
    async with emptied_engine(kit_url) as engine, engine.begin() as conn:
        await conn.execute(text("INSERT INTO cluster_nodes (name, started_at, beat_at) VALUES ('kit', now(), now())"))
    async with emptied_engine(kit_url) as engine:
        assert await _nodes(engine) == 1  # nothing to empty: the row stays
    async with emptied_engine(kit_url, text("TRUNCATE cluster_nodes")) as engine:
        assert await _nodes(engine) == 0
        pool = engine.pool
    assert engine.pool is not pool  # disposed: its connections closed, a new pool in its place
