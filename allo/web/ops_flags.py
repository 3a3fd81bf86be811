"""Page /ops/flags: the procedure flags advisers raised, grouped by sheet or procedure with counts, each flag's
text, author and date, and forms to mark it new, seen or passed on (audited, allo/knowledge/flags.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from allo.auth.deps import require
from allo.auth.roles import Principal, Role
from allo.db.desk_models import FlagStatus
from allo.http.params import INT8_MAX
from allo.knowledge.flags import flag_groups, set_status
from allo.service import AlloService
from allo.web.render import render

Me = Annotated[Principal, Depends(require(Role.OPS, page=True))]
FlagId = Annotated[int, Path(ge=1, le=INT8_MAX)]
STATUS_LABELS = {FlagStatus.NEW: "nouveau", FlagStatus.SEEN: "vu", FlagStatus.PASSED_ON: "transmis"}
ACTIONS = {FlagStatus.NEW: "Remettre en nouveau", FlagStatus.SEEN: "Marquer vu",
           FlagStatus.PASSED_ON: "Marquer transmis"}


def ops_flags_pages(service: AlloService) -> APIRouter:
    router = APIRouter(tags=["ops pages"])

    @router.get("/ops/flags", response_class=HTMLResponse,
                summary="Page: procedure flags grouped by sheet or procedure, with counts and status buttons")
    async def flags_page(request: Request, me: Me, status: FlagStatus | None = None, done: str = "",
                         missing: str = "") -> Response:
        groups = await flag_groups(service.engine, status)
        notice = ""
        if done:
            notice = f"Signalement {done} : statut changé."
        error = f"Le signalement {missing} n'existe pas." if missing else ""
        return render(request, "ops_flags.html", me, groups=groups, status=status, labels=STATUS_LABELS,
                      actions=ACTIONS, statuses=list(FlagStatus), notice=notice, flag_error=error)

    @router.post("/ops/flags/{flag_id}", response_class=HTMLResponse,
                 summary="Page form: set a flag's status (new, seen, passed on), then back to the list")
    async def change(flag_id: FlagId, me: Me, status: Annotated[FlagStatus, Form()],
                     shown: Annotated[FlagStatus | None, Form()] = None) -> Response:
        changed = await set_status(service.engine, me, flag_id, status)
        query = f"status={shown.value}&" if shown else ""
        if changed is None:
            return RedirectResponse(f"/ops/flags?{query}missing={flag_id}", status_code=303)
        return RedirectResponse(f"/ops/flags?{query}done={flag_id}#flag-{flag_id}", status_code=303)

    return router
