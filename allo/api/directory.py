"""Directory API: search the public bodies (name, type, commune, open now) and read one (docs/knowledge.md)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from sqlalchemy.ext.asyncio import AsyncSession

from allo.auth.deps import require
from allo.auth.roles import Role
from allo.directory.lookup import body_detail
from allo.directory.search import MAX_LIMIT, DirectoryQuery, EmptyQuery, search_directory
from allo.service import AlloService

READERS = (Role.AGENT, Role.SUPERVISOR, Role.OPS)

QQ = Annotated[str, Query(description="name words, and/or type words and a commune (« caf metz »)",
                          examples=["caf metz"], max_length=200)]
CommuneQ = Annotated[str, Query(description="commune: INSEE code, postal code, name, « Paris 15e »",
                                examples=["57463"], max_length=100)]
TypeQ = Annotated[str, Query(description="type of body in French words (« mairie », « impôts ») or a pivot code",
                             examples=["impôts"], max_length=100)]
OpenQ = Annotated[bool, Query(description="only bodies open now (Europe/Paris, public holidays closed)")]
LimitQ = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


def directory_router(service: AlloService) -> APIRouter:
    router = APIRouter(prefix="/api/directory", tags=["directory"])

    @router.get("/search", dependencies=[Depends(require(*READERS))],
                responses={422: {"description": "nothing to search for, or a parameter out of bounds"}},
                summary="Public bodies by name, type (French words → pivot codes), commune (those serving it "
                        "first, then located in it, then in its department, then national ones), open now")
    async def search(q: QQ = "", commune: CommuneQ = "", type: TypeQ = "", open_now: OpenQ = False,
                     limit: LimitQ = 20) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            async with AsyncSession(service.engine) as session:
                found = await search_directory(session, DirectoryQuery(q, commune, type, open_now, limit),
                                               datetime.now(UTC))
        except EmptyQuery as exc:
            raise HTTPException(422, {"error": "empty_query", "message": str(exc)}) from exc
        finally:
            service.metrics.directory_search_seconds.observe(time.perf_counter() - started)
        return found

    @router.get("/bodies/{body_id}", dependencies=[Depends(require(*READERS))],
                responses={404: {"description": "no such body (retired bodies are still found, marked)"}},
                summary="One body: addresses, phones, hours and whether open now, parents and children, the "
                        "communes it serves per pivot, retired or not")
    async def body(body_id: str) -> dict[str, Any]:
        async with AsyncSession(service.engine) as session:
            found = await body_detail(session, body_id[:64], datetime.now(UTC))
        if found is None:
            raise HTTPException(404, {"error": "not_found", "message": "Organisme introuvable dans l'annuaire."})
        return found

    return router
