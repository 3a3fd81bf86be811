"""One forecast per queue for a reference week (docs/planning.md): the summary of the days that count before the
week (or before today, for the current or a coming week: today's half-hours are not over), through
acd/planning/forecast.py with the settings' `planning_weeks` and `planning_decay`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from acd.planning.forecast import forecast_week
from acd.planning.types import SlotForecast
from allo.db.models import Queue
from allo.planning.history import History, queue_history
from allo.settings import Settings
from routing.rules import RulesSnapshot

WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
WeekForecast = dict[tuple[int, int], SlotForecast]  # (weekday 0 = Monday, slot) -> forecast


@dataclass(frozen=True)
class ForecastSettings:
    weeks: int = 8
    decay: float = 0.8

    @classmethod
    def of(cls, settings: Settings) -> ForecastSettings:
        return cls(settings.planning_weeks, settings.planning_decay)


async def queue_names(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return list(await conn.scalars(select(Queue.name).order_by(Queue.level, Queue.name)))


def history_end(monday: date, today: date) -> date:
    """The first day the forecast of the week starting `monday` may not read."""
    return min(monday, today)


def forecast_of(history: History, settings: ForecastSettings) -> WeekForecast:
    return forecast_week(history.figures, history.days, settings.weeks, settings.decay)


async def queue_forecast(engine: AsyncEngine, snapshot: RulesSnapshot | None, queue: str, monday: date, *,
                         today: date, settings: ForecastSettings) -> WeekForecast:
    history = await queue_history(engine, snapshot, queue, history_end(monday, today), settings.weeks)
    return forecast_of(history, settings)


async def week_forecasts(engine: AsyncEngine, snapshot: RulesSnapshot | None, monday: date, *, today: date,
                         settings: ForecastSettings, queues: Iterable[str] | None = None) -> dict[str, WeekForecast]:
    """The forecast of every queue of `queues` (default: every queue of the `queues` table)."""
    if monday.weekday() != 0:
        weekday = WEEKDAYS_FR[monday.weekday()]
        raise ValueError(f"Une semaine de prévision commence un lundi ({monday} est un {weekday}).")
    names = list(queues) if queues is not None else await queue_names(engine)
    return {name: await queue_forecast(engine, snapshot, name, monday, today=today, settings=settings)
            for name in names}
