"""The escalation in force for a page of search results at once (`escalations_of`, used by
GET /api/knowledge/search): the same answer as `sheet_escalation` one sheet at a time, on the demo knowledge base and
the seeded escalation sheets (real PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from allo.auth.roles import Role
from allo.db.knowledge_models import KbSheet
from allo.knowledge.escalation import escalations_of, sheet_escalation

pytestmark = pytest.mark.integration


@pytest.fixture
async def db(test_settings, seeded) -> AsyncIterator[AsyncSession]:
    engine: AsyncEngine = create_async_engine(test_settings.sqlalchemy_url)
    async with AsyncSession(engine) as session:
        yield session
    await engine.dispose()


async def test_a_page_of_sheets_gets_what_each_sheet_gets_alone(db):
    ids = list((await db.scalars(select(KbSheet.id).where(KbSheet.id.like("_90%")).order_by(KbSheet.id))).all())
    assert "F90211" in ids and "N90610" in ids
    found = await escalations_of(db, [*ids, "F99999"])
    for sheet_id in [*ids, "F99999"]:
        alone = await sheet_escalation(db, sheet_id)
        assert found[sheet_id] == alone, sheet_id
    assert found["F90211"] is not None and found["F90211"].sector_label == "Droit du travail"
    assert found["F90611"] is not None and found["F90611"].pivot_label == "la Caf"
    assert found["F99999"] is None
    assert await escalations_of(db, []) == {}


def test_each_search_hit_carries_its_escalation(running_service):
    with httpx.Client(base_url=running_service.base_url, headers=running_service.headers(Role.AGENT)) as agent:
        results = agent.get("/api/knowledge/search", params={"q": "licenciement"}).json()["results"]
        apl = agent.get("/api/knowledge/search", params={"q": "APL"}).json()["results"]
    assert results[0]["id"] == "F90212"
    assert results[0]["escalation"] == {"target": "sector", "sector": "travail", "sector_label": "Droit du travail",
                                        "pivot": None, "pivot_label": None, "source_id": "N90200",
                                        "instruction": results[0]["escalation"]["instruction"]}
    assert apl[0]["id"] == "F90611" and apl[0]["escalation"]["pivot_label"] == "la Caf"
    assert all("escalation" in hit for hit in results)
