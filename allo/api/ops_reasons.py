"""The reasons ops maintain (docs/desk.md "Reasons ops maintain"): pause reasons and wrap-up reasons, listed,
added, relabelled, reordered, enabled or disabled (never deleted); audited (`desk.reason.*`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from allo.auth.deps import require
from allo.auth.roles import Principal, Role
from allo.db.desk_models import ReasonKind
from allo.desk.reasons import ReasonInvalid, add_reason, change_reason, list_reasons
from allo.http.params import INT4_MAX
from allo.service import AlloService

OPS = require(Role.OPS)


class ReasonOut(BaseModel):
    id: int
    kind: str = Field(description="pause or wrapup")
    code: str
    label: str
    position: int
    enabled: bool


class ReasonNew(BaseModel):
    kind: str = Field(max_length=10, description="pause or wrapup", examples=["wrapup"])
    code: str = Field(max_length=40, description="stable code: lower case letters, digits and dashes",
                      examples=["logement"])
    label: str = Field(max_length=200, description="what advisers read (1-80 characters)", examples=["Logement"])


class ReasonChange(BaseModel):
    label: str | None = Field(default=None, max_length=200)
    position: int | None = Field(default=None, ge=1, le=1000, description="1 = first of its kind")
    enabled: bool | None = None


REFUSALS: dict[int | str, dict[str, str]] = {
    404: {"description": "no such reason"},
    422: {"description": "bad code or label, code taken, or `telephone` disabled (French detail)"}}


def ops_reasons_router(service: AlloService) -> APIRouter:
    router = APIRouter(prefix="/api/ops/reasons", tags=["desk"])

    @router.get("", response_model=list[ReasonOut], dependencies=[Depends(OPS)],
                summary="Every pause and wrap-up reason, enabled or not, in the order advisers see them")
    async def get_reasons() -> list[ReasonOut]:
        async with AsyncSession(service.engine) as session:
            return [ReasonOut.model_validate(r.public()) for r in await list_reasons(session)]

    @router.post("", response_model=ReasonOut, status_code=201, responses=REFUSALS,
                 summary="Add a pause or wrap-up reason (last of its kind, enabled); audited")
    async def post_reason(body: ReasonNew, me: Annotated[Principal, Depends(OPS)]) -> ReasonOut:
        try:
            kind = ReasonKind(body.kind)
        except ValueError:
            raise HTTPException(422, "Le type de motif doit être « pause » ou « wrapup ».") from None
        async with AsyncSession(service.engine) as session:
            try:
                reason = await add_reason(session, me, kind, body.code, body.label)
            except ReasonInvalid as exc:
                raise HTTPException(422, str(exc)) from exc
        return ReasonOut.model_validate(reason.public())

    @router.patch("/{reason_id}", response_model=ReasonOut, responses=REFUSALS,
                  summary="Relabel, move, enable or disable a reason (its code never changes); audited")
    async def patch_reason(reason_id: Annotated[int, Path(ge=1, le=INT4_MAX)], body: ReasonChange,
                           me: Annotated[Principal, Depends(OPS)]) -> ReasonOut:
        async with AsyncSession(service.engine) as session:
            try:
                reason = await change_reason(session, me, reason_id, label=body.label, position=body.position,
                                             enabled=body.enabled)
            except ReasonInvalid as exc:
                raise HTTPException(422, str(exc)) from exc
            except LookupError:
                raise HTTPException(404, "Motif inconnu.") from None
        return ReasonOut.model_validate(reason.public())

    return router
