"""The knowledge pages' data: the fixture sheets (tests/fixtures/dila, the formats' samples) and the fixture
directory imported into the test stack's database with the real importers, as additions (partial), so the demo
data other tests read stays as it is."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Page
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from allo.db.knowledge_models import KbSheet
from allo.knowledge.importer import import_sheets
from allo.settings import Settings

DILA = Path(__file__).parents[1] / "fixtures" / "dila"
FIXTURE_SHEETS = sorted(path.stem for path in (DILA / "fiches").glob("*.xml"))


async def import_fixtures(settings: Settings) -> None:
    engine = create_async_engine(settings.sqlalchemy_url)
    try:
        async with AsyncSession(engine) as session, session.begin():
            await import_sheets(session, DILA / "fiches", partial=True, progress=False)
    finally:
        await engine.dispose()


async def remove_fixtures(settings: Settings) -> None:
    """The fixture sheets deleted again: later tests search the demo sheets alone."""
    engine = create_async_engine(settings.sqlalchemy_url)
    try:
        async with AsyncSession(engine) as session, session.begin():
            await session.execute(delete(KbSheet).where(KbSheet.id.in_(FIXTURE_SHEETS)))
    finally:
        await engine.dispose()


async def focused(page: Page, attribute: str = "id") -> str | None:
    """An attribute of the element that has the keyboard focus."""
    return await page.evaluate("(name) => document.activeElement && document.activeElement.getAttribute(name)",
                               attribute)
