"""The topical message in one request: set (or withdraw) it and publish, through the editor's publish path."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from allo.api.rules_edit import refused
from allo.auth.deps import require
from allo.auth.roles import Principal, Role
from allo.rules import editor
from allo.rules.edits import ClearTopical, RulesEditError, SetTopical
from allo.rules.versions import version_summary
from allo.service import AlloService

Ops = Annotated[Principal, Depends(require(Role.OPS))]


class TopicalIn(BaseModel):
    text: str = Field(max_length=2000, examples=["Pour la prime de Noël, consultez le site service-public.fr."])
    ends: datetime = Field(description="end of the message; without an offset: Paris time")
    starts: datetime | None = Field(default=None, description="start; absent: as soon as published")


def topical_router(service: AlloService) -> APIRouter:
    router = APIRouter(tags=["rules editor"])

    async def publish(me: Principal, edit: SetTopical | ClearTopical) -> dict[str, Any]:
        try:
            async with AsyncSession(service.engine, expire_on_commit=False) as db:
                version = await editor.publish_topical(db, me, edit, service.clock())
        except RulesEditError as exc:
            raise refused(exc.problems) from None
        return version_summary(version)

    @router.post("/api/rules/topical", status_code=status.HTTP_201_CREATED,
                 responses={422: {"description": "refused: {problems: [{path, message}]} in French"}},
                 summary="Set the topical message (said after the welcome, before the main menu, until `ends`) "
                         "and publish it as a new rules version, in one request")
    async def set_topical(me: Ops, body: TopicalIn) -> dict[str, Any]:
        return await publish(me, SetTopical(op="set_topical", text=body.text, ends=body.ends, starts=body.starts))

    @router.delete("/api/rules/topical", responses={422: {"description": "there is no topical message"}},
                   summary="Withdraw the topical message now, as a new rules version")
    async def clear_topical(me: Ops) -> dict[str, Any]:
        return await publish(me, ClearTopical(op="clear_topical"))

    return router
