"""Per-adviser figures per local day or month, as JSON or CSV (allo/reports/advisers.py, docs/reports.md
« Par conseiller »). Supervisors and ops."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from allo.auth.deps import require
from allo.auth.roles import Role
from allo.reports.advisers import report_dict
from allo.reports.advisers_csv import advisers_csv
from allo.reports.advisers_fetch import AdvisersReport, make_advisers_report
from allo.reports.params import BadReportParams
from allo.service import AlloService


class AdviserFiguresOut(BaseModel):
    calls_taken: int = Field(description="calls the adviser answered: queue + repeat + callback")
    calls_queue: int = Field(description="answered in a queue")
    calls_repeat: int = Field(description="repeat callers rung directly on this adviser's phone")
    calls_callback: int = Field(description="callbacks where the citizen was reached")
    talk_s: float = Field(description="seconds in a call inside the bucket (a call still going counts until now)")
    avg_talk_s: float | None = Field(description="average talk time of the calls answered in the bucket, ended")
    wrapups: int = Field(description="wrap-ups begun in the bucket and over")
    wrapup_s: float = Field(description="seconds in wrap-up inside the bucket")
    avg_wrapup_s: float | None = Field(description="average duration of those wrap-ups")
    wrapups_saved: int = Field(description="wrap-up forms saved (call_wrapups), on the day the call ended")
    wrapups_expired: int = Field(description="wrap-up forms left unsaved past their deadline (« sans motif »)")
    aht_s: float | None = Field(description="average handling time = avg_talk_s + avg_wrapup_s")
    logged_in_s: float = Field(description="seconds logged in inside the bucket")
    pause_s: float = Field(description="seconds in pause (every reason; wrap-up is not a pause)")
    occupancy_pct: float | None = Field(description="(talk_s + wrapup_s) / (logged_in_s - pause_s), in %")
    transfers: int = Field(description="calls the adviser transferred to a sector")
    satisfaction_count: int = Field(description="survey answers with a satisfaction mark")
    satisfaction_avg: float | None = Field(description="average satisfaction, 1 to 5")
    question_answered_count: int = Field(description="survey answers to « question answered » (yes or no)")
    question_answered_pct: float | None = Field(description="yes / (yes + no), in %")
    pause_by_reason: dict[str, float] = Field(description="seconds of pause per reason code")
    transfers_by_sector: dict[str, int] = Field(description="transfers per sector")


class AdviserBucketOut(AdviserFiguresOut):
    start: str = Field(description="local start, ISO 8601 with the UTC offset", examples=["2026-10-25T00:00:00+02:00"])
    end: str
    day: date = Field(description="the local day (by month: the first day of the month in the range)")
    label: str = Field(examples=["2026-10-25", "2026-10"])


class AdviserOut(BaseModel):
    agent: str
    name: str
    total: AdviserFiguresOut
    buckets: list[AdviserBucketOut] = Field(description="only the days or months where something happened")


class PauseReasonOut(BaseModel):
    code: str
    label: str


class AdvisersReportOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: date = Field(alias="from")
    to: date
    by: str
    timezone: str
    pause_reasons: list[PauseReasonOut] = Field(description="the pause reasons met, with their labels")
    sectors: list[str] = Field(description="the sectors transferred to")
    advisers: list[AdviserOut]


FromQ = Annotated[str | None, Query(alias="from", description="first local day, YYYY-MM-DD", examples=["2026-12-01"])]
ToQ = Annotated[str | None, Query(description="last local day (included), YYYY-MM-DD", examples=["2026-12-07"])]
ByQ = Annotated[str | None, Query(description="day or month (at most 366 days)", examples=["month"])]
AgentQ = Annotated[str | None, Query(description="one adviser (username); all when absent", examples=["agent1001"])]
BAD: dict[int | str, dict[str, Any]] = {
    422: {"description": "bad parameters: from after to, range too long, unknown adviser, malformed date"}}


def adviser_reports_router(service: AlloService) -> APIRouter:
    router = APIRouter(prefix="/api/reports", tags=["reports"])
    readers = [Depends(require(Role.OPS, Role.SUPERVISOR))]

    async def report(first: str | None, last: str | None, by: str | None, agent: str | None) -> AdvisersReport:
        try:
            return await make_advisers_report(service.engine, first, last, by, agent)
        except BadReportParams as exc:
            raise HTTPException(422, {"error": "bad_parameters", "message": str(exc)}) from exc

    @router.get("/advisers", response_model=AdvisersReportOut, responses=BAD, dependencies=readers,
                summary="Per adviser and per local day or month (Europe/Paris): calls taken, talk and wrap-up "
                        "times, pause by reason, logged-in time, occupancy, transfers by sector, survey averages")
    async def get_advisers(first: FromQ = None, to: ToQ = None, by: ByQ = None,
                           agent: AgentQ = None) -> AdvisersReportOut:
        made = await report(first, to, by, agent)
        p = made.params
        return AdvisersReportOut.model_validate(report_dict(p.first, p.last, p.by, made.reports, made.pause_labels))

    @router.get("/advisers.csv", response_class=Response, dependencies=readers, responses={
                    **BAD, 200: {"content": {"text/csv": {}}, "description": "RFC 4180, UTF-8, French headers"}},
                summary="The same as CSV: one row per adviser and day or month, then a total row per adviser")
    async def get_advisers_csv(first: FromQ = None, to: ToQ = None, by: ByQ = None, agent: AgentQ = None) -> Response:
        made = await report(first, to, by, agent)
        p = made.params
        name = f"allo-conseillers-{p.first}-{p.last}-{p.by.value}{'-' + p.agent if p.agent else ''}.csv"
        return Response(advisers_csv(p.first, p.last, made.reports, made.pause_labels),
                        media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    return router
