"""« Orienter »: the public body of the directory an adviser gave the caller, kept with the call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from allo.db.desk_models import CallOrientation
from allo.db.knowledge_models import DirBody


@dataclass(frozen=True)
class Orientation:
    id: int
    call_id: str
    agent: str
    body_id: str
    body_name: str
    at: datetime


def _view(row: CallOrientation) -> Orientation:
    return Orientation(row.id, row.call_id, row.agent, row.body_id, row.body_name, row.at)


async def orient(engine: AsyncEngine, call_id: str, agent: str, body_id: str) -> Orientation | None:
    """Record the orientation with the body's name as the directory says it now; None: no such body."""
    async with AsyncSession(engine, expire_on_commit=False) as session:
        name = await session.scalar(select(DirBody.name).where(DirBody.id == body_id))
        if name is None:
            return None
        row = CallOrientation(call_id=call_id, agent=agent, body_id=body_id, body_name=name)
        session.add(row)
        await session.commit()
        await session.refresh(row)
        return _view(row)


async def orientations(engine: AsyncEngine, call_id: str) -> list[Orientation]:
    """The call's orientations, oldest first."""
    async with AsyncSession(engine) as session:
        rows = await session.scalars(select(CallOrientation).where(CallOrientation.call_id == call_id)
                                     .order_by(CallOrientation.id))
        return [_view(row) for row in rows]
