"""Which allo dials the callbacks (docs/scaling.md, work done once): the holder of a PostgreSQL advisory lock, held
only while this allo's AMI is connected, since it dials on its own node's Asterisk. An allo whose Asterisk is away
lets the lock go at its next round, and another node's allo takes it at its own next round (a second or so)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from allo.db.leader import AdvisoryLeader

log = logging.getLogger(__name__)

LOCK_KEY = 3939_2102  # pg_try_advisory_lock: the one callback dialler across `allo serve` processes


class CallbackDialler:
    def __init__(self, engine: AsyncEngine, connected: Callable[[], bool], *, lock_key: int = LOCK_KEY) -> None:
        self._leader = AdvisoryLeader(engine, lock_key, "callbacks (due callbacks are dialled on this node)")
        self._connected = connected

    @property
    def leading(self) -> bool:
        return self._leader.leading

    async def turn(self) -> tuple[bool, bool]:
        """(this allo dials now, it has just taken over). Never raises: the database away means not now."""
        if not self._connected():
            if self._leader.leading:
                log.warning("callbacks: AMI away, another node's allo may dial them")
            await self._leader.release()
            return False, False
        before = self._leader.leading
        try:
            leads = await self._leader.lead()
        except Exception as exc:  # the database away: the lock went with the connection
            log.warning("callbacks: lock not checked (%s); not dialling this round", type(exc).__name__)
            await self._leader.release()
            return False, False
        return leads, leads and not before

    async def release(self) -> None:
        await self._leader.release()
