"""Which allo dials the callbacks (docs/scaling.md, work done once): the holder of a PostgreSQL advisory lock, held
only while this allo's AMI is connected, since it dials on its own node's Asterisk. An allo whose Asterisk is away
lets the lock go at its next round, and another node's allo takes it at its own next round (a second or so).

`defer` (allo/cluster/preferred.py, when `ALLO_CALLBACK_NODE` names another node) says the preferred node is up:
this allo then does not even try the lock, and gives it back at its first round after that node is up again. The
preferred node is the dispatcher's first, which rings the advisers in normal operation, where their wrap-up is."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from allo.db.leader import AdvisoryLeader

log = logging.getLogger(__name__)

LOCK_KEY = 3939_2102  # pg_try_advisory_lock: the one callback dialler across `allo serve` processes


class CallbackDialler:
    def __init__(self, engine: AsyncEngine, connected: Callable[[], bool], *, lock_key: int = LOCK_KEY,
                 defer: Callable[[], Awaitable[bool]] | None = None) -> None:
        self._leader = AdvisoryLeader(engine, lock_key, "callbacks (due callbacks are dialled on this node)")
        self._connected = connected
        self._defer = defer

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
            if self._defer is not None and await self._defer():
                if before:
                    log.info("callbacks: the preferred node is up again; it dials them")
                await self._leader.release()
                return False, False
            leads = await self._leader.lead()
        except Exception as exc:  # the database away: the lock went with the connection
            log.warning("callbacks: lock not checked (%s); not dialling this round", type(exc).__name__)
            await self._leader.release()
            return False, False
        return leads, leads and not before

    async def release(self) -> None:
        await self._leader.release()
