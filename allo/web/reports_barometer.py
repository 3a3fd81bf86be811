"""Page /reports/barometer: the month's quality indicators beside the previous month's, charts month over month,
a print-ready layout (A4) and the CSV link (definitions: docs/reports.md, « Baromètre qualité »)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from allo.auth.deps import require
from allo.auth.roles import Principal, Role
from allo.reports.barometer import MonthTally, indicators
from allo.reports.barometer_chart import Series, line_chart, volume_chart
from allo.reports.barometer_csv import LABELS
from allo.reports.barometer_fetch import make_barometer
from allo.reports.months import add_months, default_month, month_key, month_label, parse_month
from allo.reports.params import BadReportParams
from allo.reports.rows import QueueInfo
from allo.service import AlloService
from allo.web.render import render
from routing.calendar_types import PARIS
from routing.rules import LEVEL1_QUEUE

# The indicators of the month's table, in reading order (labels: barometer_csv.LABELS).
TABLE = ("offered", "answered", "abandoned", "service_level_pct", "asa_s", "abandon_rate_pct", "l1_answered",
         "l1_solved_pct", "l1_escalated_pct", "callbacks_measured", "callbacks_kept_pct", "surveyed",
         "survey_response_rate_pct", "satisfaction_avg", "question_answered_pct", "wrapups", "flags_raised")
# (svg id, title, indicator, unit, fixed top of the scale)
LINES = (("chart-abandon", "Taux d'abandon", "abandon_rate_pct", "%", 100.0),
         ("chart-asa", "Délai moyen de réponse", "asa_s", "s", None),
         ("chart-l1", "Part résolue au niveau 1", "l1_solved_pct", "%", 100.0),
         ("chart-callbacks", "Promesse de rappel tenue", "callbacks_kept_pct", "%", 100.0),
         ("chart-satisfaction", "Satisfaction moyenne (sur 5)", "satisfaction_avg", "/5", 5.0),
         ("chart-answered", "Question traitée (oui)", "question_answered_pct", "%", 100.0))
NONE = "\u2013"  # an en dash: no value


def shown(value: float | int | None, unit: str) -> str:
    if value is None:
        return NONE
    if unit == "%":
        return f"{value:.1f} %"
    if unit == "s":
        return f"{value:.1f} s"
    if unit == "sur 5":
        return f"{value:.2f} / 5"
    return str(value)


def shown_change(value: float | int | None, unit: str) -> str:
    if value is None:
        return NONE
    sign = "+" if value > 0 else "\u2212" if value < 0 else "±"
    size = abs(value)
    if unit == "%":
        return f"{sign}{size:.1f} pt"
    if unit == "s":
        return f"{sign}{size:.1f} s"
    if unit == "sur 5":
        return f"{sign}{size:.2f}"
    return f"{sign}{size}"


def charts(months: list[MonthTally], queues: list[QueueInfo]) -> list[str]:
    level1 = next((q for q in queues if q.name == LEVEL1_QUEUE), QueueInfo(LEVEL1_QUEUE))
    figures = [(month_key(m.first), indicators(m, LEVEL1_QUEUE)) for m in months]
    lines = [line_chart(Series(ident, title, unit, [(key, f[name]) for key, f in figures], top))
             for ident, title, name, unit, top in LINES]
    return [volume_chart(months, level1), *lines]


def reports_barometer_pages(service: AlloService) -> APIRouter:
    router = APIRouter(tags=["pages"])

    @router.get("/reports/barometer", response_class=HTMLResponse,
                summary="Quality barometer page: a month's indicators and the previous month's, charts over 12 "
                        "months, print layout, CSV link")
    async def barometer_page(request: Request, me: Annotated[Principal, Depends(require(
                                 Role.OPS, Role.SUPERVISOR, page=True))],
                             month: Annotated[str | None, Query()] = None) -> HTMLResponse:
        today = datetime.now(PARIS).date()
        try:
            first = parse_month(month, today)
        except BadReportParams as exc:
            return render(request, "reports_barometer.html", me, status_code=422, error=str(exc),
                          form_month=month or "", max_month=month_key(today), doc=None)
        made = await make_barometer(service.engine, first)
        doc: dict[str, Any] = made.document
        rows = [{"key": key, "label": LABELS[key][0], "now": shown(doc["current"][key], LABELS[key][1]),
                 "before": shown(doc["previous"][key], LABELS[key][1]),
                 "change": shown_change(doc["change"][key], LABELS[key][1])} for key in TABLE]
        later = add_months(first, 1)
        return render(request, "reports_barometer.html", me, error=None, form_month=month_key(first),
                      max_month=month_key(today), doc=doc, rows=rows, charts=charts(made.months, made.queues),
                      month_title=month_label(first), previous_title=month_label(add_months(first, -1)),
                      previous_url=f"/reports/barometer?month={month_key(add_months(first, -1))}",
                      next_url=(f"/reports/barometer?month={month_key(later)}"
                                if later <= today.replace(day=1) else None),
                      default_month=month_key(default_month(today)), shown=shown,
                      csv_url=f"/api/reports/barometer?month={month_key(first)}&format=csv")

    return router
