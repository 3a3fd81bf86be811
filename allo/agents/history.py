"""The adviser-state history (docs/desk.md): one row per state change, who asked and from where.

Written after the action was carried out (a refused action writes nothing). A history row that cannot be written
(PostgreSQL away or too slow) never undoes or delays the adviser's action beyond `timeout`: it is logged and
counted, and the action stands.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from allo.db.desk_models import AgentStateEvent, AgentStateKind, StateSource

log = logging.getLogger(__name__)


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
