"""The best hours to call, per queue (the general line and each sector): the forecast's expected waits (measured
waits in planning_halfhours) within the open half-hours of the queue's live calendar over the upcoming week.

Computed again at most every `best_hours_cache_seconds`. Nothing personal goes in: queue names, labels, hours and
mean waits only. The `ivr` route reads `current()` (never waits for the database: a stale report is served while a
fresh one is computed, none at all before the first one).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from acd.planning.best_hours import BestRange, best_hours_prompts, best_hours_text, best_ranges, open_slots
from allo.metrics import Metrics
from allo.planning.forecasts import ForecastSettings, forecast_of
from allo.planning.history import History, queue_history
from allo.rules.cache import RulesCache
from routing.calendar_types import PARIS, Calendar
from routing.rules import RulesSnapshot

log = logging.getLogger(__name__)

UPCOMING_DAYS = 7


@dataclass(frozen=True)
class QueueBestHours:
    queue: str
    label: str
    service: str
    ranges: list[BestRange]
    text: str  # the French sentence (or the one saying there is not enough history)
    prompts: list[str]  # the same, as prompt names (empty: nothing to say)


@dataclass(frozen=True)
class BestHoursReport:
    generated_at: datetime
    queues: list[QueueBestHours]

    def for_queue(self, queue: str) -> list[str]:
        return next((q.prompts for q in self.queues if q.queue == queue), [])

    def for_service(self, service: str) -> list[str]:
        """The prompts for the service's first queue (the general line for level 1)."""
        return next((q.prompts for q in self.queues if q.service == service), [])


@dataclass(frozen=True)
class _QueueSpec:
    queue: str
    label: str
    service: str
    calendar: Calendar


def queue_specs(rules: RulesSnapshot) -> list[_QueueSpec]:
    """The general line (level 1's queue) first, then each sector's queue, each with its service's calendar."""
    specs: list[_QueueSpec] = []
    level1 = rules.services.get(rules.level1_service)
    pairs = [(level1.default_queue, level1.label, level1.code)] if level1 is not None else []
    pairs += [(s.queue, s.label, s.service) for s in rules.sectors.values()]
    for queue, label, code in pairs:
        service = rules.services.get(code)
        calendar = rules.calendars.get(service.calendar) if service is not None else None
        if calendar is not None and all(spec.queue != queue for spec in specs):
            specs.append(_QueueSpec(queue, label, code, calendar))
    return specs


class BestHours:
    def __init__(self, engine: AsyncEngine, rules: RulesCache, clock: Callable[[], datetime], *, count: int,
                 weeks: int, decay: float, cache_seconds: float, metrics: Metrics | None = None,
                 timer: Callable[[], float] = time.monotonic) -> None:
        self._engine = engine
        self._timer = timer
        self._metrics = metrics
        self._rules = rules
        self._clock = clock
        self._count, self._weeks, self._decay = count, weeks, decay
        self._cache_seconds = cache_seconds
        self._report: BestHoursReport | None = None
        self._computed_at = 0.0  # on `timer`
        self._lock = asyncio.Lock()
        self._refresh: asyncio.Task[BestHoursReport] | None = None

    async def report(self) -> BestHoursReport:
        """The cached report, computed again when older than the cache time; the last one when that fails."""
        async with self._lock:
            if self._report is not None and not self._stale():
                return self._report
            started = self._timer()
            try:
                report = await self._compute()
            except Exception as exc:
                self._count_outcome("failed")
                if self._report is None:
                    raise
                # The last figures stay good enough for a while (database away): kept, tried again later.
                log.warning("best hours not computed again, the last ones kept: %s", type(exc).__name__)
                self._computed_at = self._timer()
                return self._report
            self._report, self._computed_at = report, self._timer()
            self._count_outcome("done")
            if self._metrics is not None:
                self._metrics.best_hours_seconds.observe(self._computed_at - started)
            return report

    def current(self) -> BestHoursReport | None:
        """Without waiting: the report at hand; a stale or missing one starts a refresh in the background."""
        if self._stale() and (self._refresh is None or self._refresh.done()):
            self._refresh = asyncio.create_task(self.report())
            self._refresh.add_done_callback(_consume)
        return self._report

    def _stale(self) -> bool:
        return self._report is None or self._timer() - self._computed_at >= self._cache_seconds

    def _count_outcome(self, outcome: str) -> None:
        if self._metrics is not None:
            self._metrics.best_hours_computed.labels(outcome).inc()

    async def close(self) -> None:
        if self._refresh is not None and not self._refresh.done():
            self._refresh.cancel()

    async def _compute(self) -> BestHoursReport:
        now = self._clock()
        rules = self._rules.snapshot
        specs = queue_specs(rules) if rules is not None else []
        today = now.astimezone(PARIS).date()
        # The summary before today, holidays and closures left out (allo/planning/history.py, as the plan reads it).
        histories = [await queue_history(self._engine, rules, spec.queue, today, self._weeks) for spec in specs]
        # About 10 ms a queue (60 ms the first time a year's holidays are worked out): off the loop the calls use.
        queues = await asyncio.to_thread(self._build, specs, histories, today)
        return BestHoursReport(datetime.now(UTC), queues)  # when computed (the routing clock may be fixed)

    def _build(self, specs: list[_QueueSpec], histories: list[History], today: date) -> list[QueueBestHours]:
        upcoming = [today + timedelta(days=n) for n in range(UPCOMING_DAYS)]
        queues = []
        for spec, history in zip(specs, histories, strict=True):
            forecast = forecast_of(history, ForecastSettings(self._weeks, self._decay))
            waits = {key: slot.expected_wait_s for key, slot in forecast.items()}
            ranges = best_ranges(waits, open_slots(spec.calendar, upcoming), self._count)
            queues.append(QueueBestHours(spec.queue, spec.label, spec.service, ranges, best_hours_text(ranges),
                                         best_hours_prompts(ranges)))
        return queues


def _consume(task: asyncio.Task[BestHoursReport]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("best hours not computed: %s", type(task.exception()).__name__)
