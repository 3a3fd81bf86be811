"""The callback dialler's lock across two processes (two engines): one dials; the lock goes when its AMI goes, and
the other takes it at its next round; the database away means not dialling."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from allo.callbacks.dialler import LOCK_KEY, CallbackDialler
from allo.cluster.preferred import PreferredNode

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


async def test_a_preferred_node_dials_whenever_it_is_up_and_the_other_only_meanwhile(engine, cluster_url):
    """ALLO_CALLBACK_NODE = a (make run-cluster): b does not even take a free lock while a beats with its Asterisk;
    a silent for longer than the node-loss time, b dials; a up again, b gives the lock back at its next round."""
    beat = text("INSERT INTO cluster_nodes (name, started_at, beat_at, asterisk_up, asterisk_since) "
                "VALUES ('a', now() - interval '1 minute', now() - make_interval(secs => :ago), true, NULL) "
                "ON CONFLICT (name) DO UPDATE SET beat_at = EXCLUDED.beat_at")
    engines = [create_async_engine(cluster_url), create_async_engine(cluster_url)]
    lost_after = timedelta(seconds=5)
    a = CallbackDialler(engines[0], lambda: True, lock_key=TEST_LOCK_KEY,
                        defer=PreferredNode(engines[0], "a", "a", lost_after).elsewhere_up)
    b = CallbackDialler(engines[1], lambda: True, lock_key=TEST_LOCK_KEY,
                        defer=PreferredNode(engines[1], "b", "a", lost_after).elsewhere_up)
    try:
        async with engine.begin() as conn:
            await conn.execute(beat, {"ago": 0.5})
        assert await b.turn() == (False, False)  # the lock is free, but a is up: left to a
        assert await a.turn() == (True, True)
        await a.release()  # a's allo goes (its connection, and with it the lock); its last beat stays
        assert await b.turn() == (False, False)  # a still counts as up until the node-loss time
        async with engine.begin() as conn:
            await conn.execute(beat, {"ago": 6.0})
        assert await b.turn() == (True, True)  # a silent for longer than 5 s: b dials
        assert await b.turn() == (True, False)
        async with engine.begin() as conn:
            await conn.execute(beat, {"ago": 0.2})
        assert await b.turn() == (False, False) and not b.leading  # a up again: b lets go at once
        assert await a.turn() == (True, True)
    finally:
        await a.release()
        await b.release()
        for each in engines:
            await each.dispose()
