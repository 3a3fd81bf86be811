"""The sheet the page draws: the API's row (`allo.knowledge.store.read_sheet`) with the escalation sheet in force
for it (`allo.knowledge.escalation.sheet_escalation`), read in one session."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from allo.knowledge.escalation import sheet_escalation
from allo.knowledge.store import read_sheet
from allo.service import AlloService


async def load_sheet(service: AlloService, sheet_id: str) -> dict[str, Any] | None:
    async with AsyncSession(service.engine) as session:
        sheet = await read_sheet(session, sheet_id)
        if sheet is None:
            return None
        if "escalation" not in sheet:
            escalation = await sheet_escalation(session, sheet_id)
            sheet["escalation"] = escalation.to_json() if escalation else None
    return sheet
