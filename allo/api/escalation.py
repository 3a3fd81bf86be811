"""Where an adviser sends a question: the escalation sheet in force for an answer sheet, and the caller's local
office for a pivot code, resolved for the commune the adviser typed (issue 17 part 4)."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status
from sqlalchemy.ext.asyncio import AsyncSession

from allo.auth.deps import require
from allo.auth.roles import Principal, Role
from allo.directory import pivots
from allo.directory.communes import Commune, resolve_commune
from allo.directory.local_office import LocalOffice, local_office
from allo.knowledge.escalation import Target, sheet_escalation
from allo.rules.escalations import PIVOT_CODE, TARGET_ID
from allo.service import AlloService

Adviser = Annotated[Principal, Depends(require(Role.AGENT, Role.SUPERVISOR, Role.OPS))]
CommuneText = Annotated[str, Query(max_length=120, description="INSEE code, postal code or name of the caller's "
                                                               "commune; empty: national bodies only")]


def _commune_json(commune: Commune | None) -> dict[str, Any] | None:
    return dataclasses.asdict(commune) if commune is not None else None


def _unprocessable(message: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, message)


def _reason(office: LocalOffice | None, typed: str, place: Commune | None) -> str | None:
    """The local office's reason, saying first when the commune typed was not found (the adviser may retype it)."""
    if office is None or office.reason is None or not typed.strip() or place is not None:
        return office.reason if office else None
    return f"Commune « {typed.strip()} » introuvable dans l'annuaire. {office.reason}"


async def _commune(db: AsyncSession, text: str) -> Commune | None:
    if any(not ch.isprintable() for ch in text):
        raise _unprocessable("La commune contient des caractères de contrôle : tapez un nom, un code postal ou un "
                             "code INSEE")
    return await resolve_commune(db, text.strip()) if text.strip() else None


def escalation_router(service: AlloService) -> APIRouter:
    router = APIRouter(tags=["knowledge"])

    def counted(office: LocalOffice) -> LocalOffice:
        service.metrics.local_offices.labels(office.resolved_by.value if office.resolved_by else "none").inc()
        return office

    def session() -> AsyncSession:
        return AsyncSession(service.engine, expire_on_commit=False)

    @router.get("/api/knowledge/escalation", responses={422: {"description": "not a sheet id, or an unreadable "
                                                                             "commune (French `detail`)"}},
                summary="The escalation sheet in force for an answer sheet (its own, else its dossier's, else its "
                        "theme's): a level-2 sector, or an outside body resolved for the caller's commune")
    async def escalation(_me: Adviser, sheet: Annotated[str, Query(max_length=32, examples=["F90213"])],
                         commune: CommuneText = "") -> dict[str, Any]:
        if not TARGET_ID.fullmatch(sheet):
            raise _unprocessable(f"« {sheet} » n'est pas un identifiant de fiche (par exemple F1234 ou N19806)")
        async with session() as db:
            found = await sheet_escalation(db, sheet)
            place = await _commune(db, commune)
            office: LocalOffice | None = None
            if found is not None and found.target is Target.BODY and found.pivot is not None:
                office = counted(await local_office(db, found.pivot, place, service.clock()))
        if found is None:
            return {"sheet": sheet, "commune": _commune_json(place), "escalation": None}
        return {"sheet": sheet, "commune": _commune_json(place), "escalation": {
            **found.to_json(), "body": office.body if office else None,
            "resolved_by": office.resolved_by.value if office and office.resolved_by else None,
            "reason": _reason(office, commune, place)}}

    @router.get("/api/directory/local", responses={422: {"description": "not a pivot code, or an unreadable "
                                                                        "commune (French `detail`)"}},
                summary="The caller's local office for a pivot code: the body serving their commune, else one in "
                        "their department, else a national one; none: a French reason")
    async def local(_me: Adviser, pivot: Annotated[str, Query(max_length=64, examples=["caf"])],
                    commune: CommuneText = "") -> dict[str, Any]:
        if not PIVOT_CODE.fullmatch(pivot):
            raise _unprocessable(f"« {pivot} » n'est pas un code pivot (lettres minuscules sans accent et _, par "
                                 "exemple caf)")
        async with session() as db:
            place = await _commune(db, commune)
            office = counted(await local_office(db, pivot, place, service.clock()))
        return {"commune": _commune_json(place), **office.to_json(), "pivot_label": pivots.label(pivot),
                "reason": _reason(office, commune, place)}

    return router
