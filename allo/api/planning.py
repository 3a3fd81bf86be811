"""The week plan as JSON or CSV (docs/planning.md, « /planning »): supervisors and ops."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from allo.auth.deps import require
from allo.auth.roles import Role
from allo.planning.plan import WeekPlan
from allo.planning.plan_export import plan_csv, plan_dict
from allo.planning.week import BadPlanRequest, week_key
from allo.service import AlloService
from routing.rules import LEVEL1_QUEUE

READERS = (Role.OPS, Role.SUPERVISOR)


class PlanCellOut(BaseModel):
    day: date = Field(description="Paris date")
    slot: int = Field(description="half-hour of the day: (hour * 60 + minute) // 30, Paris wall clock")
    time: str = Field(examples=["09:00\u201309:30"])
    calls: float = Field(description="forecast calls in the half-hour")
    aht_s: float | None = Field(description="forecast handling time (talk + wrap-up), seconds")
    needed: int = Field(description="advisers on the phone needed to meet the queue's targets (Erlang C)")
    scheduled: int = Field(description="advisers to schedule: needed / (1 - shrinkage), rounded up")
    present: float | None = Field(description="advisers present (logged in, not paused) in the same half-hour of "
                                              "the weeks the forecast rests on, mean of staffed_s / 1800")
    gap: float | None = Field(description="present - needed (negative: under-staffed)")
    short: bool = Field(description="present < needed")
    weeks: int = Field(description="past weeks the forecast of this half-hour rests on")


class PlanTargetsOut(BaseModel):
    service_level_s: float
    sl_target_pct: float
    asa_target_s: float | None


class QueuePlanOut(BaseModel):
    queue: str
    label: str
    targets: PlanTargetsOut
    weeks: int = Field(description="the most past weeks any half-hour rests on")
    days_used: list[date] = Field(description="the past dates the forecast rests on, most recent first")
    short_slots: int = Field(description="open half-hours where present < needed")
    cells: list[PlanCellOut] = Field(description="the open half-hours of the week (the queue's calendar)")


class WeekPlanOut(BaseModel):
    week: str = Field(examples=["2026-W49"])
    monday: date
    sunday: date
    timezone: str
    shrinkage: float
    queues: list[QueuePlanOut]


WeekQ = Annotated[str | None, Query(description="ISO week YYYY-Www or a date of it (YYYY-MM-DD); default: next "
                                                "week", examples=["2026-W49"])]
QueueQ = Annotated[str | None, Query(description="one queue; all queues when absent", examples=[LEVEL1_QUEUE])]
BAD: dict[int | str, dict[str, Any]] = {422: {"description": "unreadable week or unknown queue"}}


def planning_router(service: AlloService) -> APIRouter:
    router = APIRouter(prefix="/api/planning", tags=["planning"])

    async def plan(week: str | None, queue: str | None) -> WeekPlan:
        try:
            return await service.planner.week(week, queue)
        except BadPlanRequest as exc:
            raise HTTPException(422, {"error": "bad_parameters", "message": str(exc)}) from exc

    @router.get("/week", response_model=WeekPlanOut, responses=BAD, dependencies=[Depends(require(*READERS))],
                summary="The week plan per queue: forecast calls, advisers needed (Erlang C at the queue's targets) "
                        "and to schedule, advisers present in past weeks, within opening hours")
    async def get_week(week: WeekQ = None, queue: QueueQ = None) -> WeekPlanOut:
        made = await plan(week, queue)
        return WeekPlanOut.model_validate(plan_dict(made, service.planner.settings.shrinkage))

    @router.get("/week.csv", response_class=Response, responses={
                    **BAD, 200: {"content": {"text/csv": {}}, "description": "RFC 4180, UTF-8, French headers"}},
                dependencies=[Depends(require(*READERS))],
                summary="The week plan as CSV: one row per queue and open half-hour, French headers")
    async def get_week_csv(week: WeekQ = None, queue: QueueQ = None) -> Response:
        made = await plan(week, queue)
        name = f"allo-planning-{week_key(made.monday)}{'-' + queue if queue else ''}.csv"
        return Response(plan_csv(made), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    return router
