"""The demo answer sheets shipped in `allo/knowledge/demo/` (invented text in the DILA format, ids F9xxxx/N9xxxx
outside the real ranges), loaded by `allo setup` when the knowledge base is empty: a newcomer can search at once.
A real archive imported later retires them (a full snapshot), so they never linger beside the DILA's sheets."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from allo.db.knowledge_models import KbSheet
from allo.knowledge.importer import ImportReport, import_sheets

DEMO_DIR = Path(__file__).parent / "demo"


async def seed_demo_sheets(session: AsyncSession) -> ImportReport | None:
    """Import the demo sheets if `kb_sheets` has no row at all (retired ones count: an import happened)."""
    if await session.scalar(select(exists().where(KbSheet.id.isnot(None)))):
        return None
    return await import_sheets(session, DEMO_DIR, progress=False)
