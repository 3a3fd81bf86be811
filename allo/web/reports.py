"""Pages /reports (form, table and chart per queue, link to the CSV) and /audit (the audit log)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from allo.audit.log import BadAuditParams, parse_query, read_entries
from allo.auth.deps import require
from allo.auth.roles import Principal, Role
from allo.http.params import INT8_MAX
from allo.reports.chart import queue_chart
from allo.reports.fetch import load_queues
from allo.reports.params import BadReportParams, default_range
from allo.reports.service import make_report
from allo.reports.wrapup_chart import reason_chart
from allo.reports.wrapups import OUTCOME_LABELS, wrapup_params, wrapup_report
from allo.service import AlloService
from allo.web.render import render
from routing.calendar_types import PARIS

READERS = (Role.OPS, Role.SUPERVISOR)
Opt = Annotated[str | None, Query()]


def rag(value: float | None, target: float) -> str:
    """Colour class of a service level against its target: green at or above, amber within 10 points."""
    if value is None:
        return ""
    return "rag-green" if value >= target else "rag-amber" if value >= target - 10 else "rag-red"


def reports_pages(service: AlloService) -> APIRouter:
    router = APIRouter(tags=["pages"])

    @router.get("/reports", response_class=HTMLResponse,
                summary="Reports page: choose dates, granularity and queue; table and chart per queue, CSV link")
    async def reports_page(request: Request, me: Annotated[Principal, Depends(require(*READERS, page=True))], *,
                           first: Annotated[str | None, Query(alias="from")] = None, to: Opt = None,
                           by: Opt = None, queue: Opt = None) -> HTMLResponse:
        if first is None and to is None:
            start, end = default_range(datetime.now(PARIS).date())
            first, to = start.isoformat(), end.isoformat()
        form = {"from": first or "", "to": to or "", "by": by or "day", "queue": queue or ""}
        try:
            made = await make_report(service.engine, first, to, by, queue)
        except BadReportParams as exc:
            return render(request, "reports.html", me, status_code=422, error=str(exc), form=form,
                          queues=await load_queues(service.engine), reports=[], charts=[], csv_url=None, rag=rag,
                          wrapups=None)
        # Wrap-ups per reason and outcome (docs/reports.md): every queue, the same days.
        wrapups = await wrapup_report(service.engine, wrapup_params(first, to))
        days = f"from={made.params.first}&to={made.params.last}"
        return render(request, "reports.html", me, error=None, form=form, queues=made.queues,
                      reports=made.reports, charts=[queue_chart(r) for r in made.reports], rag=rag,
                      csv_url=f"/api/reports.csv?{made.params.query()}", wrapups=wrapups,
                      wrapup_chart=reason_chart(wrapups), outcome_labels=OUTCOME_LABELS,
                      wrapups_csv_url=f"/api/reports/wrapups?{days}&format=csv")

    @router.get("/audit", response_class=HTMLResponse,
                summary="Audit log page: rules changes and supervisor actions, newest first, with filters")
    async def audit_page(request: Request, me: Annotated[Principal, Depends(require(*READERS, page=True))], *,
                         since: Opt = None, actor: Opt = None, action: Opt = None,
                         before: Annotated[int | None, Query(ge=1, le=INT8_MAX)] = None) -> HTMLResponse:
        form = {"since": since or "", "actor": actor or "", "action": action or ""}
        try:
            query = parse_query(since, actor, action, before, None)
        except BadAuditParams as exc:
            return render(request, "audit.html", me, status_code=422, error=str(exc), form=form, entries=[],
                          older_url=None)
        entries = await read_entries(service.engine, query, admin=me.role is Role.ADMIN)
        older = None
        if len(entries) == query.limit:
            older = "/audit?" + urlencode({**{k: v for k, v in form.items() if v}, "before": entries[-1]["id"]})
        return render(request, "audit.html", me, error=None, form=form, entries=entries, older_url=older)

    return router
