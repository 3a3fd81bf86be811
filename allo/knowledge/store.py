"""Reading one answer sheet for the adviser: its row, its breadcrumb and its links to sheets not published."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from allo.db.knowledge_models import KbSheet


async def read_sheet(session: AsyncSession, sheet_id: str) -> dict[str, Any] | None:
    """The sheet as the API gives it, retired ones included (marked); None when the id is unknown."""
    sheet = await session.get(KbSheet, sheet_id)
    if sheet is None:
        return None
    published = set((await session.scalars(select(KbSheet.id).where(
        KbSheet.id.in_(sheet.links), KbSheet.retired_at.is_(None)))).all()) if sheet.links else set()
    return {
        "id": sheet.id, "kind": sheet.kind, "pub_type": sheet.pub_type, "title": sheet.title,
        "summary": sheet.summary, "subject": sheet.subject, "audience": list(sheet.audiences),
        "parent_id": sheet.parent_id, "theme_id": sheet.theme_id,
        # The archive's own trail starts at the audience's home page: not a sheet.
        "breadcrumb": [level for level in sheet.breadcrumb if level.get("id") not in ("Particuliers",
                                                                                      "Professionnels",
                                                                                      "Associations")],
        "sp_url": sheet.sp_url,
        "modified_on": sheet.modified_on.isoformat() if sheet.modified_on else None,
        "important_change_at": sheet.important_change_at.isoformat() if sheet.important_change_at else None,
        "pivots": list(sheet.pivots), "links": list(sheet.links),
        "links_missing": [link for link in sheet.links if link not in published],
        "retired": sheet.retired_at is not None,
        "retired_at": sheet.retired_at.isoformat() if sheet.retired_at else None,
        "updated_at": sheet.updated_at.isoformat(),
        "document": sheet.document,
    }
