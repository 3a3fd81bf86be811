"""The adviser's wrap-up (docs/desk.md, API): the reason chosen during the call, the wrap-up saved at its end (which
lifts the wrap-up pause at once), and the lists the desk offers (reasons ops maintain, themes of the knowledge tree).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from acd.errors import AcdError
from allo.auth.deps import require
from allo.auth.roles import Principal, Role
from allo.db.desk_models import WrapupOutcome
from allo.desk.access import answered_by
from allo.desk.reasons import desk_lists
from allo.desk.wrapup_store import REASON_KINDS, WrapupIn, WrapupInvalid, choose_reason, save_wrapup
from allo.service import AlloService

ADVISERS = require(Role.AGENT)
CallId = Annotated[str, Path(pattern=r"^[0-9A-Za-z._-]{1,64}$", examples=["1765000000.42"])]
OUTCOMES = ", ".join(outcome.value for outcome in WrapupOutcome)


class ReasonIn(BaseModel):
    reason_kind: str = Field(max_length=10, description="theme (a theme of the knowledge tree) or list",
                             examples=["list"])
    reason_code: str = Field(min_length=1, max_length=40, examples=["suivi-dossier"])


class WrapupBody(ReasonIn):
    outcome: str = Field(max_length=20, description=f"one of: {OUTCOMES}", examples=["answered"])
    sector: str | None = Field(default=None, max_length=40, description="the sector, when transferred")
    body_id: str | None = Field(default=None, max_length=64, description="the directory body, when oriented")


class ReasonOut(BaseModel):
    call_id: str
    reason_kind: str
    reason_code: str
    reason_label: str


class WrapupOut(BaseModel):
    call_id: str
    agent: str
    reason_kind: str
    reason_code: str
    reason_label: str
    outcome: str
    sector: str | None
    body_id: str | None
    done_at: datetime
    expired: bool
    pause_lifted: bool = Field(description="the wrap-up pause was lifted now (false: the call is still going on, "
                                           "or the pause was the adviser's own)")


class CodeLabel(BaseModel):
    code: str
    label: str


class Theme(BaseModel):
    id: str
    title: str


class DeskListsOut(BaseModel):
    pause: list[CodeLabel]
    wrapup: list[CodeLabel]
    themes: list[Theme]


REFUSALS: dict[int | str, dict[str, str]] = {
    403: {"description": "not an adviser, or the call was not answered on the adviser's phone"},
    422: {"description": "unknown reason, theme, outcome, sector or body (French detail)"}}


def desk_wrapup_router(service: AlloService) -> APIRouter:
    router = APIRouter(prefix="/api/desk", tags=["desk"])

    async def own_call(me: Principal, call_id: str) -> str:
        agent = me.extension
        if not agent or not await answered_by(service.engine, call_id, agent):
            raise HTTPException(403, "Cet appel n'a pas été pris sur votre poste.")
        return agent

    def check_kind(kind: str) -> None:
        if kind not in REASON_KINDS:
            raise HTTPException(422, "Le type de motif doit être « theme » (un thème de la base de connaissances) "
                                     "ou « list » (un motif de la liste).")

    @router.get("/reasons", response_model=DeskListsOut,
                dependencies=[Depends(require(Role.AGENT, Role.SUPERVISOR, Role.OPS))],
                summary="What the desk offers: enabled pause and wrap-up reasons in order, and the knowledge "
                        "tree's themes")
    async def reasons() -> DeskListsOut:
        async with AsyncSession(service.engine) as session:
            return DeskListsOut.model_validate(await desk_lists(session))

    @router.put("/calls/{call_id}/reason", response_model=ReasonOut, responses=REFUSALS,
                summary="The reason of the call, chosen during the call (the wrap-up stays to be done); the "
                        "level-2 desk shows it")
    async def put_reason(call_id: CallId, body: ReasonIn, me: Annotated[Principal, Depends(ADVISERS)]) -> ReasonOut:
        agent = await own_call(me, call_id)
        check_kind(body.reason_kind)
        try:
            label = await choose_reason(service.engine, call_id, agent, body.reason_kind, body.reason_code)
        except WrapupInvalid as exc:
            raise HTTPException(422, str(exc)) from exc
        return ReasonOut(call_id=call_id, reason_kind=body.reason_kind, reason_code=body.reason_code,
                         reason_label=label)

    @router.post("/calls/{call_id}/wrapup", response_model=WrapupOut, responses=REFUSALS,
                 summary="Save the wrap-up (reason and outcome; saving again updates it) and lift the wrap-up "
                         "pause at once: the adviser can take the next call")
    async def post_wrapup(call_id: CallId, body: WrapupBody, me: Annotated[Principal, Depends(ADVISERS)]
                          ) -> WrapupOut:
        agent = await own_call(me, call_id)
        check_kind(body.reason_kind)
        try:
            outcome = WrapupOutcome(body.outcome)
        except ValueError:
            raise HTTPException(422, f"L'issue de l'appel doit être l'une de : {OUTCOMES}.") from None
        snapshot = service.rules.snapshot
        sectors = set(snapshot.sectors) if snapshot is not None else set()
        wrapup = WrapupIn(body.reason_kind, body.reason_code, outcome, body.sector, body.body_id)
        try:
            saved = await save_wrapup(service.engine, call_id, agent, wrapup, sectors=sectors)
        except WrapupInvalid as exc:
            raise HTTPException(422, str(exc)) from exc
        try:
            lifted = await service.wrapups.finish(agent, call_id)
        except AcdError:  # AMI away: the wrap-up is saved; the pause ends at its deadline (timer or reconciler)
            lifted = False
        return WrapupOut.model_validate({**saved, "pause_lifted": lifted})

    return router
