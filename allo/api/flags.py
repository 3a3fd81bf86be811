"""Procedure flags (« signaler une difficulté »): raised by advisers, supervisors and ops; read by ops and
supervisors grouped by sheet or procedure (JSON or CSV); their status changed by ops. Audited (allo/knowledge/flags)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response
from pydantic import BaseModel, Field

from allo.auth.deps import require
from allo.auth.roles import Principal, Role
from allo.db.desk_models import FlagStatus
from allo.knowledge.flags import (
    CALL_ID_MAX,
    PROCEDURE_MAX,
    TEXT_MAX,
    TEXT_MIN,
    Flag,
    FlagGroup,
    FlagIn,
    FlagRefused,
    flag_groups,
    flags_csv,
    raise_flag,
    set_status,
)
from allo.service import AlloService

Raiser = Annotated[Principal, Depends(require(Role.AGENT, Role.SUPERVISOR, Role.OPS))]
READERS = (Role.OPS, Role.SUPERVISOR)
FlagId = Annotated[int, Path(ge=1, le=2**63 - 1)]
StatusQ = Annotated[FlagStatus | None, Query(description="only the flags with this status")]
REFUSED: dict[int | str, dict[str, Any]] = {422: {"description": "refused (detail: a French sentence)"}}


# The schema's bounds are loose (a runaway body is refused before anything): the exact limits are checked by
# allo.knowledge.flags.checked, which says them in French to the adviser who typed too much.
class FlagCreate(BaseModel):
    sheet_id: str | None = Field(default=None, max_length=200, examples=["F1234"])
    procedure: str | None = Field(default=None, max_length=10 * PROCEDURE_MAX,
                                  description=f"at most {PROCEDURE_MAX} characters", examples=["Carte grise"])
    text: str = Field(max_length=10 * TEXT_MAX, description=f"{TEXT_MIN} to {TEXT_MAX} characters",
                      examples=["La fiche ne dit pas quoi faire quand le téléservice est fermé."])
    call_id: str | None = Field(default=None, max_length=200, description=f"at most {CALL_ID_MAX} characters")


class FlagOut(BaseModel):
    id: int
    sheet_id: str | None
    procedure: str | None
    text: str
    author: str
    call_id: str | None
    status: FlagStatus
    created_at: datetime
    updated_at: datetime
    updated_by: str | None


class FlagGroupOut(BaseModel):
    sheet_id: str | None
    procedure: str | None
    title: str = Field(description="the sheet's title, or the procedure as typed")
    count: int
    new: int
    flags: list[FlagOut]


class StatusIn(BaseModel):
    status: FlagStatus


def flag_out(flag: Flag) -> FlagOut:
    return FlagOut(id=flag.id, sheet_id=flag.sheet_id, procedure=flag.procedure, text=flag.text, author=flag.author,
                   call_id=flag.call_id, status=flag.status, created_at=flag.created_at, updated_at=flag.updated_at,
                   updated_by=flag.updated_by)


def group_out(group: FlagGroup) -> FlagGroupOut:
    return FlagGroupOut(sheet_id=group.sheet_id, procedure=group.procedure, title=group.title, count=group.count,
                        new=group.new, flags=[flag_out(f) for f in group.flags])


def flags_router(service: AlloService) -> APIRouter:
    router = APIRouter(prefix="/api/knowledge", tags=["knowledge"])

    @router.post("/flags", response_model=FlagOut, status_code=201, responses=REFUSED,
                 summary="Flag a difficulty with a sheet (its id) or a procedure (free text), with a short text")
    async def create(body: FlagCreate, me: Raiser) -> FlagOut:
        try:
            flag = await raise_flag(service.engine, me, FlagIn(body.text, body.sheet_id, body.procedure,
                                                               body.call_id))
        except FlagRefused as exc:
            raise HTTPException(422, str(exc)) from exc
        return flag_out(flag)

    @router.get("/flags", response_model=list[FlagGroupOut], dependencies=[Depends(require(*READERS))],
                summary="Flags grouped by sheet or procedure with counts, the group with the newest flag first")
    async def groups(status: StatusQ = None) -> list[FlagGroupOut]:
        return [group_out(g) for g in await flag_groups(service.engine, status)]

    @router.get("/flags.csv", response_class=Response, dependencies=[Depends(require(*READERS))],
                responses={200: {"content": {"text/csv": {}}, "description": "RFC 4180, UTF-8, header row"}},
                summary="The flags as CSV, one row per flag (same order and filter as the JSON)")
    async def groups_csv(status: StatusQ = None) -> Response:
        name = f"allo-signalements{'-' + status.value if status else ''}.csv"
        return Response(flags_csv(await flag_groups(service.engine, status)), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @router.patch("/flags/{flag_id}", response_model=FlagOut,
                  responses={404: {"description": "no such flag (French detail)"}},
                  summary="Mark a flag new, seen or passed on (audited)")
    async def change(flag_id: FlagId, body: StatusIn,
                     me: Annotated[Principal, Depends(require(Role.OPS))]) -> FlagOut:
        flag = await set_status(service.engine, me, flag_id, body.status)
        if flag is None:
            raise HTTPException(404, "Ce signalement n'existe pas.")
        return flag_out(flag)

    return router
