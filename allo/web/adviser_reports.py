"""Page /reports/advisers « Par conseiller » (linked from /reports): form, chart, a sortable table per adviser,
pauses by reason and transfers by sector, the buckets of one adviser, and the CSV link (docs/reports.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from allo.auth.deps import require
from allo.auth.roles import Principal, Role
from allo.reports.advisers_chart import advisers_chart
from allo.reports.advisers_fetch import load_names, make_advisers_report
from allo.reports.params import BadReportParams, default_range
from allo.service import AlloService
from allo.web.render import render
from routing.calendar_types import PARIS

Opt = Annotated[str | None, Query()]


def hms(seconds: float | None) -> str:
    """12345.6 → '3:25:46' (hours may pass 24); '' for nothing."""
    if seconds is None:
        return ""
    whole = round(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def adviser_reports_pages(service: AlloService) -> APIRouter:
    router = APIRouter(tags=["pages"])

    @router.get("/reports/advisers", response_class=HTMLResponse,
                summary="Per-adviser report page: dates, day or month, one adviser or all; chart, tables, CSV link")
    async def advisers_page(request: Request,
                            me: Annotated[Principal, Depends(require(Role.OPS, Role.SUPERVISOR, page=True))], *,
                            first: Annotated[str | None, Query(alias="from")] = None, to: Opt = None, by: Opt = None,
                            agent: Opt = None) -> HTMLResponse:
        if first is None and to is None:
            start, end = default_range(datetime.now(PARIS).date())
            first, to = start.isoformat(), end.isoformat()
        form = {"from": first or "", "to": to or "", "by": by or "day", "agent": agent or ""}
        try:
            made = await make_advisers_report(service.engine, first, to, by, agent)
        except BadReportParams as exc:
            names = await load_names(service.engine)
            return render(request, "reports_advisers.html", me, status_code=422, error=str(exc), form=form,
                          agents=sorted(names.items()), reports=[], chart="", csv_url=None, hms=hms,
                          reasons=[], sectors=[])
        reasons = sorted({r for rep in made.reports for r in rep.total.pause_by_reason})
        sectors = sorted({s for rep in made.reports for s in rep.total.transfers_by_sector})
        return render(request, "reports_advisers.html", me, error=None, form=form, agents=made.agents,
                      reports=made.reports, chart=advisers_chart(made.reports), hms=hms,
                      csv_url=f"/api/reports/advisers.csv?{made.params.query()}",
                      reasons=[(code, made.pause_labels.get(code, code)) for code in reasons], sectors=sectors)

    return router
