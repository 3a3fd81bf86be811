"""The sheet row the page draws, in the shape of `GET /api/knowledge/fiches/{id}` (common to the API and the page)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from allo.db.knowledge_models import KbSheet
from allo.service import AlloService


async def load_sheet(service: AlloService, sheet_id: str) -> dict[str, Any] | None:
    async with AsyncSession(service.engine) as session:
        row = await session.get(KbSheet, sheet_id)
        if row is None:
            return None
        known = set((await session.scalars(select(KbSheet.id).where(KbSheet.id.in_(row.links)))).all())
    return {"id": row.id, "kind": row.kind, "title": row.title, "summary": row.summary,
            "audience": row.audiences, "modified_on": row.modified_on, "retired_at": row.retired_at,
            "breadcrumb": row.breadcrumb, "sp_url": row.sp_url, "document": row.document, "escalation": None,
            "links_missing": sorted(set(row.links) - known)}
