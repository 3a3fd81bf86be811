"""The planner the pages, the API and the dashboard share (docs/planning.md): the plan of a week on request, and the
current half-hour's advisers needed per queue, from a plan of this week kept in memory and recomputed every
`planning_plan_refresh_seconds` by a background task (never per request: the dashboard pushes every second).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from acd.planning.erlang import PlanningInputError
from allo.planning.plan import PlanSettings, WeekPlan, load_queues, week_plan
from allo.planning.week import BadPlanRequest, monday_of, parse_week, slot_label, slot_of
from allo.settings import Settings
from allo.tasks import cancel_and_wait
from routing.calendar_types import PARIS
from routing.rules import RulesSnapshot

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NeededNow:
    """One queue's current half-hour in this week's plan; None: the queue is closed then."""

    slot: str
    needed: int | None
    scheduled: int | None
    calls: float | None


def plan_settings(settings: Settings) -> PlanSettings:
    return PlanSettings(settings.planning_weeks, settings.planning_decay, settings.planning_shrinkage)


class Planner:
    def __init__(self, engine: AsyncEngine, rules: Callable[[], RulesSnapshot | None],
                 clock: Callable[[], datetime], settings: PlanSettings, *, refresh_s: float = 300.0) -> None:
        self._engine = engine
        self._rules = rules
        self._clock = clock
        self.settings = settings
        self.refresh_s = refresh_s
        self._current: WeekPlan | None = None
        self._task: asyncio.Task[None] | None = None

    def today(self) -> date:
        return self._clock().astimezone(PARIS).date()

    async def week(self, week: str | None, queue: str | None = None) -> WeekPlan:
        """The plan of the week asked for (next week by default); BadPlanRequest for an unreadable week or an
        unknown queue."""
        monday = parse_week(week, self.today())
        if queue is not None and queue not in {q.name for q in await load_queues(self._engine)}:
            raise BadPlanRequest(f"File inconnue « {queue[:63]} ».")
        try:
            return await week_plan(self._engine, self._rules(), monday, today=self.today(), settings=self.settings,
                                   queue=queue)
        except PlanningInputError as exc:  # a queue's targets Erlang C cannot meet (e.g. a target of 0 s)
            raise BadPlanRequest(str(exc)) from exc

    # -- the dashboard's figure --------------------------------------------------------------------------
    def needed_now(self) -> dict[str, NeededNow]:
        plan = self._current
        day, slot = slot_of(self._clock())
        if plan is None or monday_of(day) != plan.monday:
            return {}
        result = {}
        for queue in plan.queues:
            cell = queue.cell(day, slot)
            result[queue.queue] = NeededNow(slot_label(slot), *((cell.needed, cell.scheduled, cell.calls)
                                                                 if cell is not None else (None, None, None)))
        return result

    async def refresh(self) -> None:
        monday = monday_of(self.today())
        self._current = await week_plan(self._engine, self._rules(), monday, today=self.today(),
                                        settings=self.settings)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="planning-now")

    async def stop(self) -> None:
        if self._task is not None:
            await cancel_and_wait(self._task)
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.refresh()
            except Exception as exc:  # PostgreSQL away: keep the last plan
                log.warning("week plan not refreshed: %s", exc)
            await asyncio.sleep(self.refresh_s)
