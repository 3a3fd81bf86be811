"""The planning bench section (bench/sections/planning.py) in quick mode against a real PostgreSQL: a private
database migrated to head, the generated year loaded with COPY, the week plan timed, both baselines and the
forecast's error; the factorial baseline agrees with the recursion on every half-hour; the Markdown renders."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import asyncpg
import pytest

from allo.settings import Settings
from allo.setup.postgres import PostgresCluster
from bench.sections import planning
from tests.integration.allo.private_db import create_private_database, drop_private_database

DB = "bench_planning"


@pytest.fixture(scope="module")
def dsn(test_settings: Settings, postgres: PostgresCluster) -> str:
    url = create_private_database(test_settings, postgres, DB)
    yield url.replace("postgresql+asyncpg://", "postgresql://", 1)
    drop_private_database(postgres, DB)


def test_quick_section_on_a_real_database(dsn: str) -> None:
    url = dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
    stack = SimpleNamespace(settings=SimpleNamespace(asyncpg_dsn=dsn, sqlalchemy_url=url))
    result = asyncio.run(planning.run(stack, quick=True))

    g, load = result["generated"], result["load"]
    assert load["rows"] == g["rows"] > 20_000
    assert abs(g["calls"] - planning.QUICK["calls"]) < 0.01 * planning.QUICK["calls"]
    assert asyncio.run(_count(dsn)) == g["rows"]
    plan = result["plan"]
    assert plan["runs"] == planning.QUICK["runs"]
    # The plan reads the counted dates' rows only: 8 weeks of the year's 52, fewer with holidays and closures.
    assert 0 < plan["rows_read"] < g["rows"] * 9 / 52
    assert result["plan_scan"]["rows_read"] == plan["rows_read"]
    assert plan["total_ms"]["p50"] <= plan["total_ms"]["p95"] <= plan["total_ms"]["max"]
    # Same forecasts, same targets: the textbook formula finds the same advisers as the recursion.
    assert result["plan_factorial"]["agents"] == sum(p["agent_halfhours"] for p in result["peaks"].values())
    assert set(result["peaks"]) == set(planning.planning_gen.QUEUES)
    first = result["scaling"][0]
    assert first["recursion"]["agents"] == first["factorial"]["agents"] == result["peaks"]["l1"]["agents"]
    assert result["targets_from_table"] == []  # a bare database: the columns' defaults
    mape = result["mape"]
    assert set(mape) == {*planning.planning_gen.QUEUES, "all"}
    assert 0 < mape["all"]["expected"] < mape["all"]["actual"]
    assert result["targets"][0]["met"] is True  # a few hundred rows to plan: well under a second
    service = result["plan_service"]  # staffing20's week_plan once merged; on a branch without it, said so
    assert service.get("runs") == planning.QUICK["runs"] or "not on this branch" in service["error"], service
    fold = result["fold"]  # the held-out Monday as real legs, through summary20's rebuild
    assert fold["legs"] == fold["calls"] > 0 and fold["mismatches"] == []
    assert 130 < fold["slots_matching"] == fold["slots_with_calls"] <= 144  # level 1: 24 half-hours, sectors 20
    text = planning.render(result)
    assert "| l1 |" in text and "MAPE vs known shape" in text and "Section duration" in text


async def _count(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM planning_halfhours"))
    finally:
        await conn.close()
