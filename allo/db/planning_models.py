"""The planning summary (migration 0018): half-hour figures per queue, read by the forecast and the plan
(docs/planning.md)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, Integer, SmallInteger, String, func
from sqlalchemy.orm import Mapped, mapped_column

from allo.db.models import Base


class PlanningHalfhour(Base):
    __tablename__ = "planning_halfhours"

    queue: Mapped[str] = mapped_column(String(63), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    slot: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    offered: Mapped[int] = mapped_column(Integer, server_default="0")
    answered: Mapped[int] = mapped_column(Integer, server_default="0")
    answered_in_sl: Mapped[int] = mapped_column(Integer, server_default="0")
    abandoned: Mapped[int] = mapped_column(Integer, server_default="0")
    short_abandoned: Mapped[int] = mapped_column(Integer, server_default="0")
    callback: Mapped[int] = mapped_column(Integer, server_default="0")
    overflow: Mapped[int] = mapped_column(Integer, server_default="0")
    timeout: Mapped[int] = mapped_column(Integer, server_default="0")
    handled: Mapped[int] = mapped_column(Integer, server_default="0")
    wait_sum_s: Mapped[float] = mapped_column(Float, server_default="0")
    abandoned_wait_sum_s: Mapped[float] = mapped_column(Float, server_default="0")
    handle_sum_s: Mapped[float] = mapped_column(Float, server_default="0")
    staffed_s: Mapped[float] = mapped_column(Float, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PlanningSummaryState(Base):
    __tablename__ = "planning_summary_state"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, default=1)
    folded_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
