"""The adviser's desk, /desk: the page an adviser keeps open all day (docs/desk.md). Server-side only the layout
and the French words; desk.js fills it from /api/desk/state and keeps it live over /api/desk/stream (SSE)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from allo.auth.deps import require
from allo.auth.roles import Principal, Role
from allo.service import AlloService
from allo.web.desk_view import desk_page
from allo.web.render import render


def desk_pages(_service: AlloService) -> APIRouter:
    router = APIRouter(tags=["pages"])

    @router.get("/desk", response_class=HTMLResponse,
                summary="The adviser's desk: own state, the call's context, notes, knowledge, transfer, wrap-up "
                        "(live over /api/desk/stream)")
    async def desk(request: Request, me: Annotated[Principal, Depends(require(Role.AGENT, page=True))]) -> HTMLResponse:
        return render(request, "desk.html", me, desk=desk_page(me))

    return router
