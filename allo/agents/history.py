"""The adviser-state history (docs/desk.md): one row per state change, who asked and from where.

An adviser's own action (login, pause, resume, logout) writes its row in the same transaction as the desired state
(`allo.agents.operations.perform`, `insert_state`): both or neither, and a refused action writes nothing. The
states allo sets by itself (the wrap-up) are written after the fact by `record_state`: a row that cannot be
written (PostgreSQL away or too slow) never undoes or delays that change beyond `timeout`: it is logged, and the
change stands.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from allo.db.desk_models import AgentStateEvent, AgentStateKind, StateSource

log = logging.getLogger(__name__)


async def insert_state(conn: AsyncConnection, agent: str, state: AgentStateKind, source: StateSource, *,
                       actor: str | None = None, reason: str | None = None) -> None:
    """One history row inside the caller's transaction."""
    await conn.execute(insert(AgentStateEvent).values(agent=agent, state=state.value, source=source.value,
                                                      actor=actor, reason=(reason or None) and reason[:80]))


async def record_state(engine: AsyncEngine, agent: str, state: AgentStateKind, source: StateSource, *,
                       actor: str | None = None, reason: str | None = None, call_id: str | None = None,
                       at: datetime | None = None, timeout: float = 2.0) -> bool:
    """Write one history row; False (and a warning) when it could not be written in time."""
    values: dict[str, object] = {"agent": agent, "state": state.value, "source": source.value, "actor": actor,
                                 "reason": (reason or None) and reason[:80], "call_id": call_id}
    if at is not None:
        values["at"] = at
    try:
        async with asyncio.timeout(timeout), engine.begin() as conn:
            await conn.execute(insert(AgentStateEvent).values(**values))
    except Exception as exc:  # the action stands; the history misses one row, which the log says
        log.warning("adviser-state history not written (%s %s for %s): %s", state.value, source.value, agent,
                    type(exc).__name__)
        return False
    return True
