"""One `LISTEN channel` kept open for as long as the owner runs it: the rules cache, the advisers' reconciler and
the desk relay each hear the others' `NOTIFY` this way.

A connection of its own (asyncpg, not the SQLAlchemy pool: a pooled connection would lose its LISTEN when handed
back). A dead connection is found out at once when the server closes it (termination listener) and within
`check_every` + 2 s when it goes silent (`SELECT 1`); it is then opened again after a back-off that doubles from
0.5 s up to `retry_max_s`. Notifications sent while no connection listened are lost: `on_connected` runs after
each (re)connection so that the owner catches up (reload, a full round).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import asyncpg

log = logging.getLogger(__name__)

FIRST_RETRY_S = 0.5
CHECK_TIMEOUT_S = 2.0
CLOSE_TIMEOUT_S = 2.0


def next_backoff(current: float, cap: float) -> float:
    """The wait before the attempt after next: doubled, never above `cap`."""
    return min(current * 2, cap)


def _setter(event: asyncio.Event) -> Callable[[object], None]:
    """Bound to this connection's event (a closure over the loop's variable would set the next one's)."""
    def closed(_conn: object) -> None:
        event.set()
    return closed


async def _nothing() -> None:
    return None


class PgListener:
    """`run()` listens forever (until cancelled); `listening` says whether a connection is listening now."""

    def __init__(self, dsn: str, channel: str, on_notify: Callable[[str], None], *, name: str,
                 on_connected: Callable[[], Awaitable[None]] = _nothing, retry_max_s: float = 10.0,
                 check_every: float = 5.0, connect_timeout: float = 5.0) -> None:
        self._dsn = dsn  # never logged: it holds the password
        self._channel = channel
        self._on_notify = on_notify
        self._on_connected = on_connected
        self.name = name
        self.retry_max_s = retry_max_s
        self._check_every = check_every
        self._connect_timeout = connect_timeout
        self.listening = False

    def _notified(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        self._on_notify(payload)

    async def run(self) -> None:
        backoff = FIRST_RETRY_S
        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(self._dsn, timeout=self._connect_timeout)
                closed = asyncio.Event()
                conn.add_termination_listener(_setter(closed))
                await conn.add_listener(self._channel, self._notified)
                self.listening = True
                backoff = FIRST_RETRY_S
                await self._on_connected()  # what was notified while nobody listened
                await self._hold(conn, closed)
                log.info("%s listener's connection closed; again in %.1f s", self.name, backoff)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the type only: an asyncpg message may quote the address
                log.warning("%s listener down (%s); retrying in %.1f s", self.name, type(exc).__name__, backoff)
            finally:
                self.listening = False
                await _close(conn)
            await asyncio.sleep(backoff)
            backoff = next_backoff(backoff, self.retry_max_s)

    async def _hold(self, conn: asyncpg.Connection, closed: asyncio.Event) -> None:
        """Returns once the connection is closed; raises when it no longer answers."""
        while not conn.is_closed():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._check_every):
                    await closed.wait()
            if closed.is_set() or conn.is_closed():
                return
            async with asyncio.timeout(CHECK_TIMEOUT_S):  # a silent peer (no FIN, no RST) is found out here
                await conn.execute("SELECT 1")


async def _close(conn: asyncpg.Connection | None) -> None:
    if conn is None or conn.is_closed():
        return
    with contextlib.suppress(Exception):
        async with asyncio.timeout(CLOSE_TIMEOUT_S):
            await conn.close()
