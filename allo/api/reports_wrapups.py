"""Wrap-ups per local day, queue, reason and outcome, as JSON or CSV (allo/reports/wrapups.py, docs/reports.md)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from allo.auth.deps import require
from allo.auth.roles import Role
from allo.reports.params import BadReportParams
from allo.reports.wrapups import wrapup_params, wrapup_report, wrapups_csv
from allo.service import AlloService


class WrapupGroupOut(BaseModel):
    day: str = Field(description="local day (Europe/Paris) the call ended for the adviser")
    queue: str
    reason_kind: str = Field(description="theme, list, or empty for « sans motif »")
    reason_code: str
    reason: str = Field(description="the reason's label; « sans motif » when the wrap-up expired unsaved")
    outcome: str = Field(description="answered, transferred, oriented, callback, out_of_scope, or expired")
    count: int
    avg_wrapup_s: float | None = Field(description="average seconds from the end of the call to the save")


class ReasonCountOut(BaseModel):
    reason: str
    count: int


class OutcomeCountOut(BaseModel):
    outcome: str
    label: str
    count: int


class WrapupReportOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    timezone: str
    total: int
    avg_wrapup_s: float | None
    rows: list[WrapupGroupOut]
    by_reason: list[ReasonCountOut]
    by_outcome: list[OutcomeCountOut]


FromQ = Annotated[str | None, Query(alias="from", description="first local day, YYYY-MM-DD", examples=["2026-12-01"])]
ToQ = Annotated[str | None, Query(description="last local day (included), YYYY-MM-DD", examples=["2026-12-07"])]
FormatQ = Annotated[Literal["json", "csv"], Query(description="json (default) or csv")]
RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"description": "bad parameters: from after to, range over 366 days, malformed date"},
    200: {"content": {"text/csv": {}}, "description": "JSON, or with format=csv: RFC 4180, UTF-8, a header row"}}


def reports_wrapups_router(service: AlloService) -> APIRouter:
    router = APIRouter(prefix="/api/reports", tags=["reports"])

    @router.get("/wrapups", response_model=WrapupReportOut, responses=RESPONSES,
                dependencies=[Depends(require(Role.OPS, Role.SUPERVISOR))],
                summary="Wrap-ups per local day, queue, reason and outcome (« sans motif » when expired), with the "
                        "average wrap-up duration; JSON or CSV")
    async def get_wrapups(first: FromQ = None, to: ToQ = None, format: FormatQ = "json") -> Any:
        try:
            params = wrapup_params(first, to)
        except BadReportParams as exc:
            raise HTTPException(422, {"error": "bad_parameters", "message": str(exc)}) from exc
        report = await wrapup_report(service.engine, params)
        if format == "csv":
            name = f"allo-wrapups-{params.first}-{params.last}.csv"
            return Response(wrapups_csv(report), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})
        return WrapupReportOut.model_validate(report)

    return router
