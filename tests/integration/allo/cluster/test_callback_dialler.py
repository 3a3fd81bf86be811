"""The callback dialler's lock across two processes (two engines): one dials; the lock goes when its AMI goes, and
the other takes it at its next round; the database away means not dialling."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from allo.callbacks.dialler import LOCK_KEY, CallbackDialler

pytestmark = pytest.mark.integration

TEST_LOCK_KEY = LOCK_KEY + 1_000_000


async def test_the_lock_moves_to_the_other_allo_when_the_ami_goes(cluster_url):
    engines = [create_async_engine(cluster_url), create_async_engine(cluster_url)]
    ami_a, ami_b = [True], [True]
    a = CallbackDialler(engines[0], lambda: ami_a[0], lock_key=TEST_LOCK_KEY)
    b = CallbackDialler(engines[1], lambda: ami_b[0], lock_key=TEST_LOCK_KEY)
    try:
        assert await a.turn() == (True, True)  # took over
        assert await a.turn() == (True, False)  # still holds it
        assert await b.turn() == (False, False)
        ami_a[0] = False  # a's Asterisk is gone: its next round lets the lock go
        started = time.monotonic()
        assert await a.turn() == (False, False) and not a.leading
        assert await b.turn() == (True, True)
        assert time.monotonic() - started < 1.0
        ami_a[0] = True  # back: b keeps dialling, a waits
        assert await a.turn() == (False, False)
        ami_b[0] = False
        assert await b.turn() == (False, False)
        assert await a.turn() == (True, True)
    finally:
        await a.release()
        await b.release()
        for engine in engines:
            await engine.dispose()


async def test_a_process_that_dies_gives_the_lock_to_the_other(cluster_url):
    first_engine, second_engine = create_async_engine(cluster_url), create_async_engine(cluster_url)
    first = CallbackDialler(first_engine, lambda: True, lock_key=TEST_LOCK_KEY)
    second = CallbackDialler(second_engine, lambda: True, lock_key=TEST_LOCK_KEY)
    try:
        assert (await first.turn())[0]
        assert not (await second.turn())[0]
        async with second_engine.connect() as conn:  # the first process dies: its lock's connection is gone
            killed = await conn.scalar(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' "
                "AND objid = :key AND granted"), {"key": TEST_LOCK_KEY})
        assert killed == 1
        assert (await second.turn())[0]
        assert not (await first.turn())[0]  # its dead connection lost the lock: found out, not dialling
    finally:
        await first.release()
        await second.release()
        await first_engine.dispose()
        await second_engine.dispose()
