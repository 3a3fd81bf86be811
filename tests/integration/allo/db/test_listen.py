"""allo/db/listen.py against the real PostgreSQL: a NOTIFY heard, a terminated or silent connection replaced (and
`on_connected` run again), the back-off doubling to its cap, a cancel that closes the connection."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import uuid
from collections.abc import AsyncIterator, Callable

import asyncpg
import pytest

from allo.db.listen import PgListener
from allo.setup.sipp import free_port
from tests.faults.tcp_proxy import SilentableProxy

pytestmark = pytest.mark.integration


async def _until(predicate: Callable[[], bool], timeout: float, what: str) -> float:
    """Seconds it took for `predicate` to hold; fails after `timeout`."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while not predicate():
        if loop.time() - started > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.02)
    return loop.time() - started


class Owner:
    """What an owner of the helper sees: the payloads and the (re)connections."""

    def __init__(self, dsn: str, *, retry_max_s: float = 2.0, check_every: float = 5.0) -> None:
        self.channel = f"test_listen_{uuid.uuid4().hex[:8]}"
        self.payloads: list[str] = []
        self.connected = 0
        self.listener = PgListener(dsn, self.channel, self.payloads.append, name="test",
                                   on_connected=self._connected, retry_max_s=retry_max_s, check_every=check_every)
        self.task: asyncio.Task[None] | None = None

    async def _connected(self) -> None:
        self.connected += 1

    def start(self) -> Owner:
        self.task = asyncio.create_task(self.listener.run())
        return self

    async def stop(self) -> None:
        assert self.task is not None
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


@pytest.fixture
async def admin(test_settings, seeded) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(test_settings.asyncpg_dsn, timeout=5)
    yield conn
    await conn.close()


async def _notify(admin: asyncpg.Connection, channel: str, payload: str) -> None:
    await admin.execute("SELECT pg_notify($1, $2)", channel, payload)


async def _backends(admin: asyncpg.Connection, channel: str) -> list[int]:
    """The backends whose last statement was the LISTEN of `channel` (the listener's, between liveness checks)."""
    rows = await admin.fetch("SELECT pid FROM pg_stat_activity WHERE query = $1", f'LISTEN "{channel}"')
    return [row["pid"] for row in rows]


async def test_a_notify_is_delivered_and_on_connected_runs_once(test_settings, admin) -> None:
    owner = Owner(test_settings.asyncpg_dsn).start()
    try:
        await _until(lambda: owner.listener.listening, 10, "listening")
        assert owner.connected == 1
        await _notify(admin, owner.channel, "agent1001")
        await _until(lambda: owner.payloads == ["agent1001"], 2, "the payload")
        assert owner.connected == 1
    finally:
        await owner.stop()


async def test_a_terminated_connection_is_replaced_and_on_connected_runs_again(test_settings, admin) -> None:
    owner = Owner(test_settings.asyncpg_dsn, check_every=60).start()  # found out by the termination listener
    try:
        await _until(lambda: owner.connected == 1, 10, "the first connection")
        [first] = await _backends(admin, owner.channel)
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", first)
        took = await _until(lambda: owner.connected == 2 and owner.listener.listening, 5, "a new connection")
        assert took < 3.0  # 0.5 s of back-off, not the 60 s of the liveness check
        [second] = await _backends(admin, owner.channel)
        assert second != first
        await _notify(admin, owner.channel, "after")
        await _until(lambda: owner.payloads == ["after"], 2, "the payload on the new connection")
    finally:
        await owner.stop()


async def test_a_silent_connection_is_found_out_by_select_1(test_settings, admin) -> None:
    proxy = await SilentableProxy("127.0.0.1", test_settings.pg_port).start()
    password = test_settings.pg_password.get_secret_value()
    owner = Owner(f"postgresql://allo:{password}@127.0.0.1:{proxy.port}/allo", check_every=0.5).start()
    try:
        await _until(lambda: owner.connected == 1, 10, "the first connection")
        assert proxy.go_silent() == 1
        # SELECT 1 unanswered for 2 s after at most 0.5 s, the silent connection's close given up after 2 s, then
        # 0.5 s of back-off (asyncpg also opens a connection of its own to cancel the unanswered query).
        took = await _until(lambda: owner.connected == 2 and owner.listener.listening, 10, "a new connection")
        assert took > 1.5
        await _notify(admin, owner.channel, "through")
        await _until(lambda: owner.payloads == ["through"], 2, "the payload on the new connection")
    finally:
        await owner.stop()
        await proxy.stop()


async def test_the_back_off_doubles_up_to_its_cap_and_never_logs_the_dsn(caplog) -> None:
    secret = uuid.uuid4().hex
    owner = Owner(f"postgresql://allo:{secret}@127.0.0.1:{free_port()}/allo", retry_max_s=2.0)
    caplog.set_level(logging.WARNING, logger="allo.db.listen")
    owner.start()
    try:
        def warnings() -> list[str]:
            return [r.getMessage() for r in caplog.records if r.name == "allo.db.listen"]
        await _until(lambda: len(warnings()) >= 4, 8, "four failed attempts")
        delays = [float(re.search(r"retrying in ([0-9.]+) s", line)[1]) for line in warnings()]  # type: ignore[index]
        assert delays[:4] == [0.5, 1.0, 2.0, 2.0]
        assert all(line.startswith("test listener down (") for line in warnings())
        assert not any(secret in line for line in warnings())
        assert not owner.listener.listening and owner.connected == 0
    finally:
        await owner.stop()


async def test_cancel_stops_it_and_closes_the_connection(test_settings, admin) -> None:
    owner = Owner(test_settings.asyncpg_dsn, check_every=60).start()
    await _until(lambda: owner.listener.listening, 10, "listening")
    [pid] = await _backends(admin, owner.channel)
    await owner.stop()
    assert owner.task is not None and owner.task.cancelled()
    assert not owner.listener.listening

    gone = False
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5
    while not gone:
        assert loop.time() < deadline, "the listening backend is still there"
        gone = not await admin.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid)
        if not gone:
            await asyncio.sleep(0.05)
