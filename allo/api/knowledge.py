"""Answer sheets for advisers: search as you type, read one sheet (docs/knowledge.md)."""

from __future__ import annotations

import re
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from allo.auth.deps import require
from allo.auth.roles import Principal, Role
from allo.knowledge.search import search_sheets
from allo.knowledge.store import read_sheet
from allo.service import AlloService

SHEET_ID = re.compile(r"[A-Za-z0-9-]{1,32}")
Reader = Annotated[Principal, Depends(require(Role.AGENT, Role.SUPERVISOR, Role.OPS))]


class SheetHitOut(BaseModel):
    id: str = Field(examples=["F90211"])
    title: str
    summary: str
    kind: str = Field(description="fiche | question | how_to | theme | dossier | other")
    audience: list[str] = Field(examples=[["Particuliers"]])
    theme: str = Field(description="the theme's title (dc:subject)")
    theme_id: str | None
    retired: bool = Field(description="absent from the last full import; only with include_retired")
    score: float


class SearchOut(BaseModel):
    results: list[SheetHitOut] = Field(description="best first; empty when nothing matches")


def knowledge_router(service: AlloService) -> APIRouter:
    router = APIRouter(prefix="/api/knowledge", tags=["knowledge"])

    @router.get("/search", response_model=SearchOut,
                summary="Search the answer sheets as you type: accents optional, misspellings tolerated, the "
                        "last word a prefix; answers first, then themes and dossiers")
    async def search(_me: Reader, q: Annotated[str, Query(max_length=200, description="the words typed")] = "",
                     limit: Annotated[int, Query(ge=1, le=50)] = 10,
                     include_retired: Annotated[bool, Query(description="also retired sheets, last")] = False,
                     ) -> dict[str, Any]:
        started = time.perf_counter()
        async with AsyncSession(service.engine) as session:
            # PostgreSQL text cannot hold NUL: a typed NUL is just a separator.
            hits = await search_sheets(session, q.replace("\x00", " "), limit=limit, include_retired=include_retired)
        service.metrics.knowledge_search_seconds.observe(time.perf_counter() - started)
        return {"results": [hit.as_json() for hit in hits]}

    @router.get("/fiches/{sheet_id}", responses={404: {"description": "« Fiche inconnue »"}},
                summary="One sheet: its document (docs/knowledge.md), breadcrumb, links to sheets not published "
                        "(links_missing); a retired sheet is still given, marked retired")
    async def fiche(_me: Reader, sheet_id: Annotated[str, Path(max_length=32)]) -> dict[str, Any]:
        sheet = None
        if SHEET_ID.fullmatch(sheet_id):
            async with AsyncSession(service.engine) as session:
                sheet = await read_sheet(session, sheet_id)
        if sheet is None:
            raise HTTPException(404, f"Fiche inconnue : {sheet_id}")
        return sheet

    return router
