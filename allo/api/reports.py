"""Reports API: figures per queue and per local day or hour, as JSON or CSV (definitions: docs/reports.md)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from allo.auth.deps import require
from allo.auth.roles import Role
from allo.reports.aggregate import report_dict
from allo.reports.csv_export import report_csv
from allo.reports.params import BadReportParams
from allo.reports.service import Report, make_report
from allo.service import AlloService
from routing.rules import LEVEL1_QUEUE

READERS = (Role.OPS, Role.SUPERVISOR)


class FiguresOut(BaseModel):
    offered: int = Field(description="calls that arrived in the queue (a visit), short abandons excluded")
    answered: int
    abandoned: int = Field(description="hung up while waiting, after at least the queue's short_abandon seconds")
    short_abandoned: int = Field(description="hung up sooner than short_abandon: in neither offered nor abandoned")
    callback_left: int = Field(description="left the queue with a callback booked")
    overflowed: int = Field(description="sent on to the overflow queue (offered there too)")
    left: int = Field(description="left without an adviser (exit key or maximum wait) and did not come back")
    waiting: int = Field(description="still waiting when the report was made")
    answered_in_sl: int = Field(description="answered within the queue's service_level seconds")
    service_level_pct: float | None = Field(description="answered_in_sl / (answered + abandoned), in %")
    abandon_rate_pct: float | None = Field(description="abandoned / offered, in %")
    asa_s: float | None = Field(description="average speed of answer (seconds waited by answered calls)")
    aht_s: float | None = Field(description="average handle time, from the answer to the transfer or the end")
    handled: int = Field(description="answered calls whose handle time is known (ended)")
    solved: int = Field(description="answered and not transferred by the adviser (solved at this level)")
    escalated: int = Field(description="answered, then transferred by the adviser (level 1 → level 2)")
    solved_pct: float | None
    callbacks_requested: int = Field(description="callbacks booked for this queue in the bucket")
    callbacks_completed: int = Field(description="of those, the citizen was reached")
    callbacks_measured: int = Field(description="of those, measured against the promise: the phone rang, or "
                                    "closed failed without ever ringing")
    callbacks_kept: int = Field(description="the citizen's phone first rang by the promised time (due_by)")
    callbacks_kept_pct: float | None = Field(description="kept ÷ measured")
    callbacks_reached_in_time: int = Field(description="the citizen picked up by the promised time (due_by)")
    callbacks_reached_in_time_pct: float | None = Field(description="reached in time ÷ measured")


class BucketOut(FiguresOut):
    start: str = Field(description="local start, ISO 8601 with the UTC offset", examples=["2026-10-25T02:00:00+01:00"])
    end: str
    day: date
    label: str = Field(examples=["2026-10-25", "14:00", "02:00 (+01:00)"])


class QueueReportOut(BaseModel):
    queue: str
    label: str
    level: int
    service_level_s: int
    short_abandon_s: int
    sl_target_pct: int
    total: FiguresOut
    buckets: list[BucketOut]


class ReportOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: date = Field(alias="from")
    to: date
    by: str
    timezone: str
    queues: list[QueueReportOut]


FromQ = Annotated[str | None, Query(alias="from", description="first local day, YYYY-MM-DD",
                                    examples=["2026-10-25"])]
ToQ = Annotated[str | None, Query(description="last local day (included), YYYY-MM-DD", examples=["2026-10-25"])]
ByQ = Annotated[str | None, Query(description="day (at most 366 days) or hour (at most 31 days)",
                                  examples=["hour"])]
QueueQ = Annotated[str | None, Query(description="one queue; all queues when absent", examples=[LEVEL1_QUEUE])]
BAD: dict[int | str, dict[str, Any]] = {
    422: {"description": "bad parameters: from after to, range too long, unknown queue, malformed date"}}


def reports_router(service: AlloService) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["reports"])

    async def report(first: str | None, last: str | None, by: str | None, queue: str | None) -> Report:
        try:
            return await make_report(service.engine, first, last, by, queue)
        except BadReportParams as exc:
            raise HTTPException(422, {"error": "bad_parameters", "message": str(exc)}) from exc

    @router.get("/reports", response_model=ReportOut, responses=BAD,
                dependencies=[Depends(require(*READERS))],
                summary="Per queue and per local day or hour (Europe/Paris): offered, answered, abandoned, "
                        "service level, speed of answer, handle time, level 1 vs escalated, callbacks")
    async def get_report(first: FromQ = None, to: ToQ = None, by: ByQ = None, queue: QueueQ = None) -> ReportOut:
        made = await report(first, to, by, queue)
        p = made.params
        return ReportOut.model_validate(report_dict(p.first, p.last, p.by, made.reports))

    @router.get("/reports.csv", response_class=Response, responses={
                    **BAD, 200: {"content": {"text/csv": {}}, "description": "RFC 4180, UTF-8, header row"}},
                dependencies=[Depends(require(*READERS))],
                summary="The same report as CSV (comma-separated, UTF-8, a header row, one row per queue and "
                        "bucket then a total per queue)")
    async def get_report_csv(first: FromQ = None, to: ToQ = None, by: ByQ = None,
                             queue: QueueQ = None) -> Response:
        made = await report(first, to, by, queue)
        p = made.params
        name = f"allo-report-{p.first}-{p.last}-{p.by.value}{'-' + p.queue if p.queue else ''}.csv"
        return Response(report_csv(p.first, p.last, p.by, made.reports), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    return router
