"""The node-loss sweeper against the real PostgreSQL (a database of its own): a lost node's open calls and legs
are closed as cut by a node loss as of when it was last alive, other calls untouched, idempotent; two sweepers on
two engines: only one acts, the other takes over when it goes."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from allo.cluster.node_loss import LossCause
from allo.cluster.sweeper import LOCK_KEY, NodeLossSweeper
from allo.metrics import Metrics
from tests.integration.allo.cluster.cluster_kit import (
    add_call,
    add_node,
    beat_of,
    calls_of,
    db_now,
    legs_of,
)

pytestmark = pytest.mark.integration

TEST_LOCK_KEY = LOCK_KEY + 1_000_000  # not the key of a service that may run on the session's database


def sweeper(engine, metrics=None) -> NodeLossSweeper:
    return NodeLossSweeper(engine, lost_after=5.0, interval=0.1, metrics=metrics, lock_key=TEST_LOCK_KEY)


async def test_a_silent_nodes_calls_and_legs_are_cut_as_of_its_last_beat_and_only_once(engine):
    await add_node(engine, "a", beat_ago=0.2)
    await add_node(engine, "b", beat_ago=30)
    await add_call(engine, "b-1.1", "b", "queued", leg="waiting")
    await add_call(engine, "b-1.2", "b", "answered", leg="answered")
    await add_call(engine, "b-1.3", "b", "in_menu")
    await add_call(engine, "b-1.4", "b", "abandoned", ended=True, leg="abandoned")
    await add_call(engine, "b-1.5", "b", "answered", started_ago=10, leg="answered")  # after b's last beat
    await add_call(engine, "a-1.1", "a", "queued", leg="waiting")
    await add_call(engine, "1.1", None, "queued", leg="waiting")  # a single node's call: never a node's
    before = await calls_of(engine)
    beat = await beat_of(engine, "b")
    metrics = Metrics()
    sweep = sweeper(engine, metrics)
    try:
        report = await sweep.round()
        assert report is not None and report.calls == 4 and report.legs == 3
        assert [(loss.node, loss.cause) for loss in report.losses] == [("b", LossCause.SILENT)]
        calls, legs = await calls_of(engine), await legs_of(engine)
        for call_id in ("b-1.1", "b-1.2", "b-1.3"):
            assert calls[call_id][0] == beat and calls[call_id][1] == "node_lost", call_id
        assert calls["b-1.1"][2] == "queued" and calls["b-1.2"][2] == "answered"  # outcomes kept
        assert calls["b-1.5"][1] == "node_lost" and calls["b-1.5"][0] > beat  # never ended before it started
        outcome, left_at, wait, reason = legs["b-1.1"]
        assert (outcome, left_at, reason) == ("left", beat, "node_lost")  # left the queue, not abandoned
        assert wait is not None and 83 <= wait <= 87  # joined 115 s ago, last beat 30 s ago
        assert legs["b-1.2"][0] == "answered" and legs["b-1.2"][3] == "node_lost" and legs["b-1.2"][2] == 15
        for untouched in ("b-1.4", "a-1.1", "1.1"):
            assert calls[untouched] == before[untouched], untouched
        assert legs["b-1.4"][3] is None and legs["a-1.1"] == ("waiting", None, None, None)
        assert legs["1.1"] == ("waiting", None, None, None)
        assert metrics.registry.get_sample_value("allo_calls_node_lost_total", {"node": "b"}) == 4

        again = await sweep.round()  # idempotent: nothing left open, nothing rewritten
        assert again is not None and (again.calls, again.legs) == (0, 0)
        assert await calls_of(engine) == calls and await legs_of(engine) == legs
    finally:
        await sweep.stop()


async def test_a_node_whose_asterisk_is_down_too_long_loses_its_calls_as_of_when_it_went_down(engine):
    await add_node(engine, "a", beat_ago=0.1, up=False, since_ago=12)
    await add_node(engine, "b", beat_ago=0.1, up=False, since_ago=1)  # down for a second: not yet
    await add_call(engine, "a-2.1", "a", "queued", leg="waiting")
    await add_call(engine, "b-2.1", "b", "queued", leg="waiting")
    sweep = sweeper(engine)
    try:
        report = await sweep.round()
        assert report is not None and [(x.node, x.cause) for x in report.losses] == [("a", LossCause.ASTERISK_DOWN)]
        now = await db_now(engine)
        calls = await calls_of(engine)
        ended_at, reason, _ = calls["a-2.1"]
        assert reason == "node_lost" and ended_at is not None
        assert timedelta(seconds=11) < now - ended_at < timedelta(seconds=14)
        assert calls["b-2.1"][1] is None
    finally:
        await sweep.stop()


async def test_two_sweepers_on_two_engines_only_one_acts_and_the_other_takes_over(engine, cluster_url):
    other_engine = create_async_engine(cluster_url)
    first, second = sweeper(engine), sweeper(other_engine)
    try:
        await add_node(engine, "b", beat_ago=30)
        await add_call(engine, "b-3.1", "b", "queued", leg="waiting")
        assert await first.round() is not None and first.leader
        assert await second.round() is None and not second.leader  # the lock is held: it does nothing
        await add_call(engine, "b-3.2", "b", "queued", leg="waiting")
        assert await second.round() is None
        assert (await calls_of(engine))["b-3.2"][1] is None  # only the holder closes
        await first.stop()  # its connection (and lock) goes, as when its process dies
        deadline = time.monotonic() + 5
        report = await second.round()
        while report is None and time.monotonic() < deadline:
            report = await second.round()
        assert report is not None and report.calls == 1 and second.leader
        assert (await calls_of(engine))["b-3.2"][1] == "node_lost"
    finally:
        await first.stop()
        await second.stop()
        await other_engine.dispose()
