"""Who may read a call (docs/desk.md, "Privacy"): an adviser reads only the calls answered on their own phone.

`calls.agent` (the adviser who answered last), `calls.level1_agent` (who transferred it) or a queue leg answered by
them; supervisors, ops and admins are not limited here (their routes say which roles they take).
"""

from __future__ import annotations

import enum

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from allo.db.models import Call, QueueLeg


async def answered_by(engine: AsyncEngine, call_id: str, agent: str) -> bool:
    """The call was answered on `agent`'s phone (at level 1 or 2, from a queue, directly or as a callback)."""
    leg = exists().where(QueueLeg.call_id == call_id, QueueLeg.agent == agent)
    query = select(Call.call_id).where(Call.call_id == call_id,
                                       or_(Call.agent == agent, Call.level1_agent == agent, leg))
    async with engine.connect() as conn:
        return (await conn.scalar(query)) is not None


class CallAccess(enum.StrEnum):
    UNKNOWN = "unknown"  # no such call: 404
    ANSWERED = "answered"  # answered on the adviser's phone: readable
    REFUSED = "refused"  # someone else's call: 403


async def access_of(engine: AsyncEngine, call_id: str, agent: str) -> CallAccess:
    """What an adviser may do with a call id: an unknown call is said to be unknown (call ids are Asterisk's
    channel ids, not secrets), a call not answered on their phone is refused."""
    if await answered_by(engine, call_id, agent):
        return CallAccess.ANSWERED
    async with engine.connect() as conn:
        known = await conn.scalar(select(Call.call_id).where(Call.call_id == call_id))
    return CallAccess.REFUSED if known is not None else CallAccess.UNKNOWN
