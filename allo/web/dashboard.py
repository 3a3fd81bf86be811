"""The supervisor dashboard page: server-rendered layout, filled and kept live by dashboard.js over SSE."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from allo.auth.deps import require
from allo.auth.roles import Principal, Role
from allo.dashboard.spy import SpyMode
from allo.service import AlloService
from allo.web.render import render


def dashboard_pages(service: AlloService) -> APIRouter:
    router = APIRouter(tags=["pages"])

    @router.get("/dashboard", response_class=HTMLResponse,
                summary="Supervisor dashboard page (live over /api/dashboard/stream)")
    async def dashboard(request: Request,
                        me: Annotated[Principal, Depends(require(Role.SUPERVISOR, page=True))]) -> HTMLResponse:
        return render(request, "dashboard.html", me, initial=service.dashboard.document(),
                      spy_modes=[mode.value for mode in SpyMode])

    return router
