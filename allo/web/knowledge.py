"""The adviser's knowledge pages: /connaissances (sheets searched as you type, the directory) and
/connaissances/fiches/{id} (a sheet drawn from its stored document, its escalation banner, « où s'adresser »
resolved for a typed commune). The searches and the commune resolution are the JSON API's, called by
knowledge.js; the sheet itself is drawn here, server-side, by the Jinja macros of knowledge_macros.html."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse

from allo.auth.deps import require
from allo.auth.roles import Principal, Role
from allo.directory.pivots import label as pivot_label
from allo.service import AlloService
from allo.web.knowledge_load import load_sheet
from allo.web.knowledge_view import CALLOUTS, WHERE_ROLES, is_sheet_id, sheet_view
from allo.web.render import render, templates

READERS = (Role.AGENT, Role.SUPERVISOR, Role.OPS)
SHEET_ID = r"^[A-Za-z0-9_-]{1,32}$"


def safe_url(url: Any) -> str:
    """A link from the archive, kept only when it is http(s) or mailto (never `javascript:`)."""
    text = str(url or "").strip()
    return text if urlsplit(text).scheme.lower() in {"http", "https", "mailto"} else "#"


templates.env.filters.setdefault("safe_url", safe_url)
templates.env.filters.setdefault("pivot_label", pivot_label)
templates.env.filters.setdefault("is_sheet_id", is_sheet_id)
templates.env.globals.setdefault("callouts", CALLOUTS)
templates.env.globals.setdefault("where_roles", WHERE_ROLES)


def knowledge_pages(service: AlloService) -> APIRouter:
    router = APIRouter(tags=["pages"])

    @router.get("/connaissances", response_class=HTMLResponse,
                summary="Knowledge page: answer sheets searched as you type, the directory of public bodies")
    async def knowledge_page(request: Request, me: Annotated[Principal, Depends(require(*READERS, page=True))],
                             q: str = "") -> HTMLResponse:
        return render(request, "knowledge.html", me, q=q[:200])

    @router.get("/connaissances/fiches/{sheet_id}", response_class=HTMLResponse,
                responses={404: {"description": "no such sheet (a French page)"}},
                summary="One answer sheet drawn from its stored document, with escalation and « où s'adresser »")
    async def sheet_page(request: Request, me: Annotated[Principal, Depends(require(*READERS, page=True))],
                         sheet_id: Annotated[str, Path(pattern=SHEET_ID)]) -> HTMLResponse:
        sheet = await load_sheet(service, sheet_id)
        if sheet is None:
            return render(request, "knowledge_missing.html", me, status_code=404, sheet_id=sheet_id)
        return render(request, "knowledge_sheet.html", me, sheet=sheet_view(sheet))

    return router
