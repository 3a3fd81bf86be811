"""« Demandes d'aide » on the dashboard: the supervisor-help requests not yet taken in hand, oldest first.

Read with the day figures (allo/dashboard/today.py, in the counting worker) and again right after an adviser asks
or a supervisor answers (DashboardFeed.refresh_help), so a request shows without waiting for the next refresh. The
partial index `ix_help_requests_open` keeps the read cheap whatever the history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from allo.db.desk_models import HelpRequest
from routing.calendar_types import PARIS

SHOWN = 50  # the oldest open requests, at most


@dataclass(frozen=True, slots=True)
class HelpItem:
    id: int
    agent: str
    call_id: str | None
    text: str
    asked_at: datetime


async def open_help(conn: AsyncConnection, limit: int = SHOWN) -> tuple[HelpItem, ...]:
    rows = await conn.execute(select(HelpRequest.id, HelpRequest.agent, HelpRequest.call_id, HelpRequest.text,
                                     HelpRequest.asked_at).where(HelpRequest.answered_at.is_(None))
                              .order_by(HelpRequest.asked_at, HelpRequest.id).limit(limit))
    return tuple(HelpItem(r.id, r.agent, r.call_id, r.text, r.asked_at) for r in rows)


async def read_open_help(engine: AsyncEngine) -> tuple[HelpItem, ...]:
    async with engine.connect() as conn:
        return await open_help(conn)


def help_view(items: tuple[HelpItem, ...], names: dict[str, str], now_wall: float) -> dict[str, Any]:
    """What the dashboard shows of each request: who (name and extension), since when, the call, the text."""
    return {"count": len(items), "requests": [
        {"id": item.id, "agent": item.agent, "name": names.get(item.agent, ""), "call_id": item.call_id,
         "text": item.text, "asked_at": item.asked_at.astimezone(PARIS).strftime("%H:%M"),
         "waiting_seconds": round(max(0.0, now_wall - item.asked_at.timestamp()))} for item in items]}
