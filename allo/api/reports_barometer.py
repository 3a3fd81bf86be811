"""The monthly quality barometer as JSON or CSV (allo/reports/barometer.py; definitions: docs/reports.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from allo.auth.deps import require
from allo.auth.roles import Role
from allo.reports.barometer_csv import barometer_csv
from allo.reports.barometer_fetch import make_barometer
from allo.reports.months import month_key, parse_month
from allo.reports.params import BadReportParams
from allo.service import AlloService
from routing.calendar_types import PARIS
from routing.rules import LEVEL1_QUEUE


class MonthOut(BaseModel):
    month: str = Field(examples=["2026-10"])
    label: str = Field(examples=["octobre 2026"])
    start: str = Field(description="local start, ISO 8601 with the offset", examples=["2026-10-01T00:00:00+02:00"])
    end: str = Field(description="local end (excluded)", examples=["2026-11-01T00:00:00+01:00"])
    offered: int = Field(description="visits of every queue, short abandons excluded (a transferred call counts "
                                     "in each queue it reached)")
    answered: int
    abandoned: int
    service_level_pct: float | None = Field(description="answered within their queue's threshold ÷ (answered + "
                                                        "abandoned), in %")
    asa_s: float | None = Field(description="average speed of answer, seconds")
    abandon_rate_pct: float | None = Field(description="abandoned ÷ offered, in %")
    l1_answered: int = Field(description="answered at level 1")
    l1_solved: int = Field(description="answered at level 1 and not transferred (resolved at level 1)")
    l1_escalated: int = Field(description="answered at level 1, then transferred to a sector")
    l1_solved_pct: float | None
    l1_escalated_pct: float | None
    callbacks_measured: int = Field(description="callbacks requested in the month measured against the promise")
    callbacks_kept: int = Field(description="the citizen's phone first rang by due_by (the KPI)")
    callbacks_kept_pct: float | None
    surveyed: int = Field(description="callers who reached the survey (a survey_responses row)")
    survey_responded: int = Field(description="of those, answered at least the satisfaction question")
    survey_response_rate_pct: float | None
    satisfaction_avg: float | None = Field(description="mean satisfaction, 1 to 5")
    question_answered_count: int = Field(description="answers to « has your question been answered »")
    question_answered_yes: int
    question_answered_pct: float | None = Field(description="yes ÷ answers to that question, in %")
    wrapups: int = Field(description="wrap-ups over (saved or expired) of calls ended in the month")
    flags_raised: int = Field(description="procedure flags raised in the month")


class QueueMonthOut(BaseModel):
    month: str
    offered: int
    answered: int
    abandoned: int
    service_level_pct: float | None
    asa_s: float | None
    abandon_rate_pct: float | None
    solved: int
    escalated: int
    callbacks_measured: int
    callbacks_kept: int
    callbacks_kept_pct: float | None


class QueueOut(BaseModel):
    queue: str
    label: str
    level: int
    months: list[QueueMonthOut]


class EscalationOut(BaseModel):
    sector: str = Field(description="calls.transferred_to; « inconnu » when not recorded")
    label: str
    count: int = Field(description="level-1 calls of the month transferred to this sector")
    previous: int = Field(description="the same, the month before")


class ReasonOut(BaseModel):
    reason: str
    count: int
    share_pct: float | None = Field(description="of the month's wrap-ups")
    previous: int


class FlagOut(BaseModel):
    subject: str = Field(description="the sheet's title, or the procedure")
    count: int


class BarometerOut(BaseModel):
    month: str
    label: str
    previous_month: str
    timezone: str
    current: MonthOut
    previous: MonthOut
    change: dict[str, float | int | None] = Field(description="current minus previous per indicator (points for a %)")
    months: list[MonthOut] = Field(description="the 12 months up to `month`, oldest first")
    queues: list[QueueOut]
    escalations: list[EscalationOut]
    reasons: list[ReasonOut] = Field(description="the 10 most frequent wrap-up reasons of the month")
    flags: list[FlagOut] = Field(description="the 5 sheets or procedures most flagged in the month")


MonthQ = Annotated[str | None, Query(description="a local month YYYY-MM; default: the last complete month",
                                     examples=["2026-10"])]
FormatQ = Annotated[Literal["json", "csv"], Query(description="json (default) or csv")]
RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"description": "bad parameters: malformed month, or a month in the future"},
    200: {"content": {"text/csv": {}}, "description": "JSON, or with format=csv: RFC 4180, UTF-8, French headers, "
                                                      "one row per indicator, scope and month"}}


def reports_barometer_router(service: AlloService) -> APIRouter:
    router = APIRouter(prefix="/api/reports", tags=["reports"])

    @router.get("/barometer", response_model=BarometerOut, responses=RESPONSES,
                dependencies=[Depends(require(Role.OPS, Role.SUPERVISOR))],
                summary="The monthly quality barometer (Europe/Paris months): offered, answered, service level, "
                        "speed of answer, abandons, level 1 vs escalated per sector, callback promise, "
                        "satisfaction, top reasons, procedure flags; the 12 months up to the month; JSON or CSV")
    async def get_barometer(month: MonthQ = None, format: FormatQ = "json") -> Any:
        try:
            first = parse_month(month, datetime.now(PARIS).date())
        except BadReportParams as exc:
            raise HTTPException(422, {"error": "bad_parameters", "message": str(exc)}) from exc
        made = await make_barometer(service.engine, first)
        if format == "csv":
            name = f"allo-barometre-{month_key(first)}.csv"
            return Response(barometer_csv(made.months, made.queues, LEVEL1_QUEUE, made.sectors),
                            media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})
        return BarometerOut.model_validate(made.document)

    return router
