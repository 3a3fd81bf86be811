"""Page /appels: look a call up by id or by period (Paris time) and read why it went where it went."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from allo.auth.deps import require
from allo.auth.roles import Principal, Role
from allo.records.lookup import lookup_calls
from allo.records.lookup_params import BadLookup, parse_lookup
from allo.service import AlloService
from allo.web.render import render, templates
from routing.calendar_types import PARIS

LOOKERS = (Role.SUPERVISOR, Role.OPS)
Opt = Annotated[str | None, Query()]


def paris_seconds(moment: Any) -> str:
    if not isinstance(moment, datetime):
        return "" if moment is None else str(moment)
    return moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M:%S")


templates.env.filters.setdefault("paris_s", paris_seconds)


def calls_pages(service: AlloService) -> APIRouter:
    router = APIRouter(tags=["pages"])

    @router.get("/appels", response_class=HTMLResponse,
                summary="Call lookup page: by call id or period (Paris time); journey, keys, decision trace, legs")
    async def calls_page(request: Request, me: Annotated[Principal, Depends(require(*LOOKERS, page=True))], *,
                         call_id: Opt = None, first: Annotated[str | None, Query(alias="from")] = None,
                         to: Opt = None, offset: Opt = None) -> HTMLResponse:
        form = {"call_id": call_id or "", "from": first or "", "to": to or ""}
        if not any(form.values()):
            return render(request, "calls.html", me, form=form, error=None, calls=None, next_url=None)
        try:
            query = parse_lookup(call_id, first, to, None, offset)
        except BadLookup as exc:
            return render(request, "calls.html", me, status_code=422, form=form, error=str(exc), calls=None,
                          next_url=None)
        page = await lookup_calls(service.engine, query)
        next_url = None
        if page.next_offset is not None:
            next_url = "/appels?" + urlencode({k: v for k, v in form.items() if v} | {"offset": page.next_offset})
        return render(request, "calls.html", me, form=form, error=None, calls=page.calls, next_url=next_url,
                      detail=query.call_id is not None)

    return router
