"""A sheet's ancestry and its escalation sheet in force, on the demo knowledge base `allo setup` loads and the
seeded escalation sheets (real PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from allo.knowledge.escalation import Target, ancestry, sheet_escalation

pytestmark = pytest.mark.integration


@pytest.fixture
async def db(test_settings, seeded) -> AsyncIterator[AsyncSession]:
    engine: AsyncEngine = create_async_engine(test_settings.sqlalchemy_url)
    async with AsyncSession(engine) as session:
        yield session
    await engine.dispose()


async def test_the_ancestry_of_a_demo_sheet_goes_up_to_its_theme(db):
    assert await ancestry(db, "F90213") == ["F90213", "N90210", "N90200"]
    assert await ancestry(db, "N90210") == ["N90210", "N90200"]
    assert await ancestry(db, "N90200") == ["N90200"]
    assert await ancestry(db, "F99999") == ["F99999"]  # not imported: only itself


async def test_the_most_specific_seeded_escalation_applies(db):
    own = await sheet_escalation(db, "F90213")
    assert own is not None and (own.target, own.pivot, own.source_id) == (Target.BODY, "ddets", "F90213")
    theme = await sheet_escalation(db, "F90212")
    assert theme is not None and (theme.target, theme.sector, theme.sector_label, theme.source_id) == (
        Target.SECTOR, "travail", "Droit du travail", "N90200")
    dossier = await sheet_escalation(db, "F90611")
    assert dossier is not None and (dossier.pivot, dossier.pivot_label, dossier.source_id) == (
        "caf", "la Caf", "N90610")
    assert await sheet_escalation(db, "F99999") is None
