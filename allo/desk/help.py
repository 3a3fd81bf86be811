"""Supervisor-help requests: an adviser asks, the dashboard shows it (« Demandes d'aide », allo/dashboard/help.py)
until a supervisor takes it in hand. After every change the gauge of open requests is set and `on_change` runs
(the dashboard re-reads the open ones at once)."""

from __future__ import annotations

import enum
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client import Gauge
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from allo.audit.record import Actor, audit
from allo.db.desk_models import HelpRequest

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OpenHelp:
    id: int
    agent: str
    call_id: str | None
    text: str
    asked_at: datetime


class AnswerResult(enum.StrEnum):
    """Why a request could not be marked answered (None from `answer`: it was)."""

    UNKNOWN = "unknown"
    ALREADY = "already"


class HelpDesk:
    def __init__(self, engine: AsyncEngine, gauge: Gauge,
                 on_change: Callable[[], Awaitable[None]] | None = None) -> None:
        self._engine = engine
        self._gauge = gauge
        self._on_change = on_change

    async def ask(self, agent: str, call_id: str | None, text: str) -> OpenHelp:
        async with AsyncSession(self._engine, expire_on_commit=False) as session:
            row = HelpRequest(agent=agent, call_id=call_id, text=text)
            session.add(row)
            await session.commit()
            await session.refresh(row)
        await self.changed()
        return OpenHelp(row.id, row.agent, row.call_id, row.text, row.asked_at)

    async def answer(self, request_id: int, who: Actor) -> AnswerResult | None:
        """Mark the request taken in hand by `who` (audited with the change); an AnswerResult when it cannot be."""
        async with AsyncSession(self._engine) as session:
            done = await session.execute(
                update(HelpRequest).where(HelpRequest.id == request_id, HelpRequest.answered_at.is_(None))
                .values(answered_at=datetime.now(UTC), answered_by=who.username).returning(HelpRequest.agent))
            agent = done.scalar_one_or_none()
            if agent is None:
                known = await session.scalar(select(HelpRequest.id).where(HelpRequest.id == request_id))
                return AnswerResult.ALREADY if known is not None else AnswerResult.UNKNOWN
            audit(session, who, "desk.help.answer", str(request_id), agent=agent)
            await session.commit()
        await self.changed()
        return None

    async def count(self) -> int:
        """Open requests now; sets the gauge."""
        async with self._engine.connect() as conn:
            n = int(await conn.scalar(select(func.count()).select_from(HelpRequest)
                                      .where(HelpRequest.answered_at.is_(None))) or 0)
        self._gauge.set(n)
        return n

    async def changed(self) -> None:
        """Best effort: the change is committed; the gauge and the dashboard catch up at their next read."""
        try:
            await self.count()
            if self._on_change is not None:
                await self._on_change()
        except Exception as exc:
            log.warning("help requests changed, not yet shown: %s", type(exc).__name__)
