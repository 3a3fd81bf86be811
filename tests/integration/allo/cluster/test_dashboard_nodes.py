"""The dashboard's day data read from PostgreSQL: today's calls cut by a node loss (0 shown too) and each node's
state; the document the page receives carries both."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from acd.live.state import Instant, LiveState, system_clock
from allo.cluster.sweeper import LOCK_KEY, NodeLossSweeper
from allo.dashboard.today import load_day
from allo.dashboard.view import dashboard_view
from tests.integration.allo.cluster.cluster_kit import add_call, add_node

pytestmark = pytest.mark.integration


async def test_todays_calls_cut_by_a_node_loss_and_each_nodes_state(engine):
    empty = await load_day(engine, datetime.now(UTC), lost_after=5.0)
    assert empty.node_lost == 0 and empty.nodes == ()
    doc = dashboard_view(LiveState(system_clock), [], empty, Instant(0.0, datetime.now(UTC).timestamp()), ami_up=True)
    assert doc["node_lost"] == 0 and doc["nodes"] == []  # 0 is shown, not hidden

    await add_node(engine, "a", beat_ago=0.2)
    await add_node(engine, "b", beat_ago=30)
    await add_node(engine, "c", beat_ago=0.2, up=False, since_ago=2)
    await add_call(engine, "b-1.1", "b", "queued", started_ago=60, leg="waiting")
    await add_call(engine, "b-1.2", "b", "answered", started_ago=60, leg="answered")
    await add_call(engine, "a-1.1", "a", "queued", started_ago=60, leg="waiting")
    sweep = NodeLossSweeper(engine, lost_after=5.0, interval=1.0, lock_key=LOCK_KEY + 1_000_000)
    try:
        assert (await sweep.round()).calls == 2
    finally:
        await sweep.stop()

    async with engine.begin() as conn:  # relay calls: b's cut one and a's still waiting
        await conn.execute(text("UPDATE calls SET relay = true WHERE call_id IN ('b-1.1', 'a-1.1')"))
    day = await load_day(engine, datetime.now(UTC), lost_after=5.0)
    assert day.node_lost == 2
    assert [(n.name, n.state) for n in day.nodes] == [("a", "up"), ("b", "silent"), ("c", "asterisk_down")]
    assert day.nodes[1].beat_seconds_ago >= 30
    doc = dashboard_view(LiveState(system_clock), [], day, Instant(0.0, datetime.now(UTC).timestamp()), ami_up=True)
    assert doc["node_lost"] == 2
    assert [(n["name"], n["label"]) for n in doc["nodes"]] == [
        ("a", "en service"), ("b", "silencieux"), ("c", "Asterisk arrêté")]
    # a cut call keeps its outcome (queued) but waits no more: the relay count reads open calls only
    assert (day.relay["arrived"], day.relay["waiting"]) == (2, 1)
