"""The satisfaction survey's answers, paged JSON or CSV (allo/reports/surveys.py, docs/reports.md)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from allo.auth.deps import require
from allo.auth.roles import Role
from allo.reports.params import BadReportParams
from allo.reports.surveys import MAX_LIMIT, survey_filter, survey_page, survey_rows, surveys_csv
from allo.service import AlloService


class SurveyAnswerOut(BaseModel):
    call_id: str
    started_at: str = Field(description="when the survey started, Paris time with its offset")
    day: str = Field(description="local day (Europe/Paris)")
    time: str = Field(description="local time HH:MM:SS (Europe/Paris)")
    queue: str | None
    agent: str | None = Field(description="the adviser who took the call")
    origin: str = Field(description="queue, repeat, callback or transfer")
    origin_label: str
    reason: str | None = Field(description="the wrap-up reason, when known")
    status: str = Field(description="no_answer, partial or complete")
    status_label: str
    satisfaction: int | None = Field(description="1 to 5")
    answered: bool | None = Field(description="has the question been answered")


class SurveySummaryOut(BaseModel):
    surveys: int
    by_status: dict[str, int]
    avg_satisfaction: float | None
    answered_yes_pct: float | None


class SurveyPageOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    timezone: str
    queue: str | None
    agent: str | None
    total: int
    limit: int
    offset: int
    summary: SurveySummaryOut
    rows: list[SurveyAnswerOut]


FromQ = Annotated[str | None, Query(alias="from", description="first local day, YYYY-MM-DD", examples=["2026-12-01"])]
ToQ = Annotated[str | None, Query(description="last local day (included), YYYY-MM-DD", examples=["2026-12-07"])]
RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"description": "bad parameters: from after to, range over 366 days, malformed date"},
    200: {"content": {"text/csv": {}}, "description": "JSON (paged), or with format=csv every row: RFC 4180, UTF-8, "
                                                      "French headers"}}


def survey_answers_router(service: AlloService) -> APIRouter:
    router = APIRouter(prefix="/api/reports", tags=["reports"])

    @router.get("/surveys", response_model=SurveyPageOut, responses=RESPONSES,
                dependencies=[Depends(require(Role.OPS, Role.SUPERVISOR))],
                summary="The satisfaction survey's answers (call, Paris time, queue, adviser, origin, reason, status, "
                        "satisfaction, question answered; never a phone number), paged JSON or CSV")
    async def get_surveys(*, first: FromQ = None, to: ToQ = None,
                          queue: Annotated[str | None, Query(description="only this queue")] = None,
                          agent: Annotated[str | None, Query(description="only this adviser")] = None,
                          format: Annotated[Literal["json", "csv"], Query()] = "json",
                          limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
                          offset: Annotated[int, Query(ge=0)] = 0) -> Any:
        try:
            wanted = survey_filter(first, to, queue, agent)
        except BadReportParams as exc:
            raise HTTPException(422, {"error": "bad_parameters", "message": str(exc)}) from exc
        if format == "csv":
            name = f"allo-enquetes-{wanted.params.first}-{wanted.params.last}.csv"
            body = surveys_csv(await survey_rows(service.engine, wanted))
            return Response(body, media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})
        return SurveyPageOut.model_validate(await survey_page(service.engine, wanted, limit, offset))

    return router
