"""Supervisor-help requests seen from the supervisor's side: the open ones, and « Pris en charge » (audited)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path
from pydantic import BaseModel

from allo.auth.deps import require
from allo.auth.roles import Principal, Role
from allo.dashboard.help import open_help
from allo.desk.help import AnswerResult
from allo.service import AlloService

Supervisor = Annotated[Principal, Depends(require(Role.SUPERVISOR))]
RequestId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class OpenHelpOut(BaseModel):
    id: int
    agent: str
    call_id: str | None
    text: str
    asked_at: datetime


class AnsweredOut(BaseModel):
    id: int
    status: str


def help_router(service: AlloService) -> APIRouter:
    helpdesk = service.help_desk()
    router = APIRouter(prefix="/api/supervisor/help", tags=["supervisor"])

    @router.get("", response_model=list[OpenHelpOut], summary="Help requests from advisers not yet taken in hand, "
                                                              "oldest first")
    async def open_requests(_me: Supervisor) -> list[OpenHelpOut]:
        async with service.engine.connect() as conn:
            items = await open_help(conn)
        return [OpenHelpOut(id=r.id, agent=r.agent, call_id=r.call_id, text=r.text, asked_at=r.asked_at)
                for r in items]

    @router.post("/{request_id}/answer", response_model=AnsweredOut,
                 responses={404: {"description": "no such request (French detail)"},
                            409: {"description": "already taken in hand (French detail)"}},
                 summary="Take a help request in hand: it leaves the dashboard (audited)")
    async def answer(request_id: RequestId, me: Supervisor) -> AnsweredOut:
        refused = await helpdesk.answer(request_id, me)
        if refused is AnswerResult.UNKNOWN:
            raise HTTPException(404, "Cette demande d'aide n'existe pas.")
        if refused is AnswerResult.ALREADY:
            raise HTTPException(409, "Cette demande d'aide a déjà été prise en charge.")
        return AnsweredOut(id=request_id, status="answered")

    return router
