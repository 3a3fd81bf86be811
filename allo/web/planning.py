"""Page /planning (supervisors, ops): the week grid of one queue — forecast calls, advisers needed and present in
past weeks per open half-hour, under-staffed cells marked — with the queue and week pickers, the CSV link and the
chart of needed vs present (docs/planning.md, « /planning »)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from allo.auth.deps import require
from allo.auth.roles import Principal, Role
from allo.planning.plan import load_queues
from allo.planning.plan_chart import plan_chart
from allo.planning.week import DAY_NAMES, BadPlanRequest, slot_label, week_key
from allo.service import AlloService
from allo.web.render import render
from routing.rules import LEVEL1_QUEUE

Opt = Annotated[str | None, Query()]


def number(value: float | None) -> str:
    """French decimals: 12,5; an en dash for no value."""
    if value is None:
        return "\u2013"
    return f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",")


def planning_pages(service: AlloService) -> APIRouter:
    router = APIRouter(tags=["pages"])

    @router.get("/planning", response_class=HTMLResponse,
                summary="Staffing page: the week grid of a queue (forecast calls, advisers needed and present), "
                        "under-staffed half-hours marked, CSV link")
    async def planning_page(request: Request, me: Annotated[Principal, Depends(require(
                                Role.OPS, Role.SUPERVISOR, page=True))], week: Opt = None,
                            queue: Opt = None) -> HTMLResponse:
        queues = await load_queues(service.engine)
        chosen = queue or (LEVEL1_QUEUE if any(q.name == LEVEL1_QUEUE for q in queues) else
                           (queues[0].name if queues else None))
        form = {"week": week or "", "queue": chosen or ""}
        try:
            plan = await service.planner.week(week, chosen)
        except BadPlanRequest as exc:
            return render(request, "planning.html", me, status_code=422, error=str(exc), form=form, queues=queues,
                          plan=None)
        monday = plan.monday
        days = [monday + timedelta(days=i) for i in range(7)]
        qp = plan.queues[0] if plan.queues else None

        def link(first: date) -> str:
            return "/planning?" + urlencode({"week": week_key(first), "queue": chosen or ""})

        form["week"] = week_key(monday)
        return render(request, "planning.html", me, error=None, form=form, queues=queues, plan=qp, days=days,
                      day_names=DAY_NAMES, slot_label=slot_label, number=number, week_title=week_key(monday),
                      previous_url=link(monday - timedelta(days=7)), next_url=link(monday + timedelta(days=7)),
                      csv_url="/api/planning/week.csv?" + urlencode({"week": week_key(monday), "queue": chosen or ""}),
                      chart=plan_chart(qp) if qp is not None else None, shrinkage=service.planner.settings.shrinkage)

    return router
