"""The ops page of the reasons advisers choose from (`/ops/reasons`): pause reasons and wrap-up reasons, added,
relabelled, moved, enabled or disabled; the same backend as the JSON API (allo.desk.reasons), audited.

A refused change re-renders the page with the French message (status 422) and changes nothing; an accepted one
redirects back to the page (post/redirect/get).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from allo.auth.deps import require
from allo.auth.roles import Principal, Role
from allo.db.desk_models import ReasonKind
from allo.desk.reasons import PHONE_PAUSE, ReasonInvalid, add_reason, change_reason, list_reasons
from allo.http.params import INT4_MAX
from allo.service import AlloService
from allo.web.render import render

Me = Annotated[Principal, Depends(require(Role.OPS, page=True))]
KIND_TITLES = {ReasonKind.PAUSE: "Motifs de pause", ReasonKind.WRAPUP: "Motifs de fin d'appel"}
DONE = {"add": "Motif ajouté.", "change": "Motif modifié."}


def ops_reasons_pages(service: AlloService) -> APIRouter:
    router = APIRouter(tags=["ops pages"])

    async def page(request: Request, me: Principal, *, errors: list[str] | None = None, notice: str = "",
                   status_code: int = 200, form: dict[str, str] | None = None) -> Response:
        async with AsyncSession(service.engine) as session:
            reasons = await list_reasons(session)
        groups = [(kind, KIND_TITLES[kind], [r for r in reasons if r.kind is kind]) for kind in ReasonKind]
        return render(request, "ops_reasons.html", me, status_code, groups=groups, errors=errors or [],
                      notice=notice, form=form or {}, phone_pause=PHONE_PAUSE)

    @router.get("/ops/reasons", response_class=HTMLResponse,
                summary="Page: the pause and wrap-up reasons advisers choose from; add, relabel, move, disable")
    async def reasons_page(request: Request, me: Me, done: str = "") -> Response:
        return await page(request, me, notice=DONE.get(done, ""))

    @router.post("/ops/reasons", response_class=HTMLResponse,
                 summary="Page form: add a reason (kind, code, label); refused with a French message if invalid")
    async def add(request: Request, me: Me, kind: Annotated[str, Form(max_length=10)] = "",
                  code: Annotated[str, Form(max_length=100)] = "",
                  label: Annotated[str, Form(max_length=500)] = "") -> Response:
        form = {"kind": kind, "code": code, "label": label}
        try:
            reason_kind = ReasonKind(kind)
        except ValueError:
            return await page(request, me, errors=["Choisissez le type de motif : pause ou fin d'appel."],
                              status_code=422, form=form)
        try:
            async with AsyncSession(service.engine) as session:
                await add_reason(session, me, reason_kind, code.strip(), label)
        except ReasonInvalid as exc:
            return await page(request, me, errors=[str(exc)], status_code=422, form=form)
        return RedirectResponse("/ops/reasons?done=add", status_code=303)

    @router.post("/ops/reasons/{reason_id}", response_class=HTMLResponse,
                 summary="Page form: relabel, move or enable/disable one reason")
    async def change(request: Request, me: Me, reason_id: Annotated[int, Path(ge=1, le=INT4_MAX)], *,
                     label: Annotated[str, Form(max_length=500)] = "",
                     position: Annotated[str, Form(max_length=10)] = "",
                     enabled: Annotated[str, Form(max_length=10)] = "") -> Response:
        wanted = position.strip()
        if wanted and not (wanted.isascii() and wanted.isdigit() and 1 <= int(wanted) <= 1000):
            return await page(request, me, errors=["La position doit être un nombre entier de 1 à 1000."],
                              status_code=422)
        try:
            async with AsyncSession(service.engine) as session:
                await change_reason(session, me, reason_id, label=label,
                                    position=int(position) if position.strip() else None, enabled=enabled == "on")
        except ReasonInvalid as exc:
            return await page(request, me, errors=[str(exc)], status_code=422)
        except LookupError:
            return await page(request, me, errors=["Ce motif n'existe pas."], status_code=404)
        return RedirectResponse("/ops/reasons?done=change", status_code=303)

    return router
