"""The call's context for the desk (docs/desk.md, `pop`), read once per call from PostgreSQL.

The ivr route's journey reaches PostgreSQL through the call recorder, in the background: the context first waits
(briefly, `settle`) until the recorder has tried this call's writes, then reads the call, its legs and notes, the
repeat caller's previous contact and the level-1 adviser's reason, within `timeout`. If PostgreSQL is away or slow
the pop still goes out with what the AMI event says, and a French `error`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from allo.db.admin_models import User
from allo.db.desk_models import CallWrapup
from allo.db.models import Call, CallNote, QueueLeg
from allo.desk.pop import DEGRADED, NOT_RECORDED, CallFacts, Note, PopRequest, PreviousContact, assemble_pop, queue_of
from allo.records.lookup import call_view
from allo.records.recorder import CallRecorder

log = logging.getLogger(__name__)


async def read_notes(session: AsyncSession, call_id: str) -> list[Note]:
    rows = await session.execute(select(CallNote, User.extension).outerjoin(User, User.username == CallNote.author)
                                 .where(CallNote.call_id == call_id).order_by(CallNote.id))
    return [Note(n.id, n.author, extension, n.text, n.created_at, n.updated_at) for n, extension in rows]


async def _wrapup_of(session: AsyncSession, call_id: str, agent: str | None = None) -> CallWrapup | None:
    query = select(CallWrapup).where(CallWrapup.call_id == call_id)
    if agent is not None:
        query = query.where(CallWrapup.agent == agent)
    return await session.scalar(query.order_by(CallWrapup.done_at.desc().nulls_last(), CallWrapup.id.desc())
                                .limit(1))


async def _previous(session: AsyncSession, call: Call, days: int) -> PreviousContact | None:
    if not call.caller_hash or days <= 0:
        return None
    previous = await session.scalar(
        select(Call).where(Call.caller_hash == call.caller_hash, Call.call_id != call.call_id,
                           Call.started_at < call.started_at, Call.started_at >= call.started_at - timedelta(days=days))
        .order_by(Call.started_at.desc()).limit(1))
    if previous is None:
        return None
    wrapup = await _wrapup_of(session, previous.call_id)
    return PreviousContact(previous.call_id, previous.started_at, wrapup.reason_label if wrapup else None,
                           wrapup.outcome if wrapup else None, await read_notes(session, previous.call_id))


async def read_facts(engine: AsyncEngine, call_id: str, repeat_days: int) -> CallFacts | None:
    """Everything PostgreSQL knows of the call; None when the call has no row (yet)."""
    async with AsyncSession(engine) as session:
        call = await session.get(Call, call_id)
        if call is None:
            return None
        legs = list(await session.scalars(select(QueueLeg).where(QueueLeg.call_id == call_id)
                                          .order_by(QueueLeg.joined_at, QueueLeg.id)))
        level1 = await _wrapup_of(session, call_id, call.level1_agent) if call.level1_agent else None
        return CallFacts(view=call_view(call, legs, None), relay=call.relay, preferred_agent=call.preferred_agent,
                         transferred_at=call.transferred_at, notes=await read_notes(session, call_id),
                         previous=await _previous(session, call, repeat_days),
                         level1_reason=level1.reason_label if level1 else None)


class CallContext:
    def __init__(self, engine: AsyncEngine, recorder: CallRecorder, sector_of_queue: Callable[[str], str | None], *,
                 repeat_days: int, settle: float = 0.15, timeout: float = 0.3) -> None:
        self._engine = engine
        self._recorder = recorder
        self._sector_of_queue = sector_of_queue
        self._repeat_days = repeat_days
        self.settle = settle
        self.timeout = timeout

    async def notes(self, call_id: str) -> list[dict[str, Any]]:
        """Every note of the call, as the desk shows them (another node said they changed)."""
        async with asyncio.timeout(2), AsyncSession(self._engine) as session:
            return [note.document() for note in await read_notes(session, call_id)]

    async def pop(self, request: PopRequest, *, with_repeat: bool = True) -> dict[str, Any]:
        """The pop of a call answered by `request.agent`; never raises for a database that is away."""
        await self._recorder.settled(request.call_id, self.settle)
        error = None
        facts = None
        try:
            async with asyncio.timeout(self.timeout):
                facts = await read_facts(self._engine, request.call_id, self._repeat_days)
            if facts is None:
                error = NOT_RECORDED
        except Exception as exc:  # PostgreSQL away or too slow: pop with what the event says
            log.warning("context of call %s not read: %s", request.call_id, type(exc).__name__)
            error = DEGRADED
        queue = queue_of(request, facts)
        level2 = self._sector_of_queue(queue) if queue else None
        sector = level2 or (facts.view.sector if facts is not None else None)
        level = 2 if level2 is not None else 1
        return assemble_pop(request, facts, sector=sector, level=level, with_repeat=with_repeat, error=error)
