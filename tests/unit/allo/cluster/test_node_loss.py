"""The node-loss decision (pure): silent nodes, Asterisk down, exactly at the threshold, a node that came back,
a node never seen; and the dashboard's state of a node."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from allo.cluster.node_loss import LossCause, NodeLoss, NodeRow, NodeState, lost, lost_nodes, node_state

NOW = datetime(2026, 12, 7, 10, 0, 0, tzinfo=UTC)
LOST_AFTER = timedelta(seconds=5)
STARTED = NOW - timedelta(hours=1)


def row(name: str = "a", *, beat_ago: float = 0.5, up: bool = True, since_ago: float | None = 3000.0) -> NodeRow:
    since = None if since_ago is None else NOW - timedelta(seconds=since_ago)
    return NodeRow(name, STARTED, NOW - timedelta(seconds=beat_ago), up, since)


def test_a_node_beating_with_its_asterisk_up_keeps_its_calls():
    assert lost(row(), NOW, LOST_AFTER) is None
    assert node_state(row(), NOW, LOST_AFTER) is NodeState.UP


def test_a_silent_node_has_lost_its_calls_as_of_its_last_beat():
    silent = row(beat_ago=8)
    assert lost(silent, NOW, LOST_AFTER) == NodeLoss("a", LossCause.SILENT, NOW - timedelta(seconds=8))
    assert node_state(silent, NOW, LOST_AFTER) is NodeState.SILENT


def test_exactly_at_the_threshold_is_not_yet_lost():
    assert lost(row(beat_ago=5), NOW, LOST_AFTER) is None
    assert lost(row(beat_ago=5.001), NOW, LOST_AFTER) is not None
    assert lost(row(up=False, since_ago=5), NOW, LOST_AFTER) is None
    assert lost(row(up=False, since_ago=5.001), NOW, LOST_AFTER) is not None


def test_asterisk_down_longer_than_the_threshold_loses_the_calls_as_of_when_it_went_down():
    down = row(up=False, since_ago=12)
    assert lost(down, NOW, LOST_AFTER) == NodeLoss("a", LossCause.ASTERISK_DOWN, NOW - timedelta(seconds=12))
    assert node_state(down, NOW, LOST_AFTER) is NodeState.ASTERISK_DOWN
    assert node_state(row(up=False, since_ago=1), NOW, LOST_AFTER) is NodeState.ASTERISK_DOWN


def test_a_silent_node_whose_asterisk_was_already_down_was_last_alive_when_asterisk_went_down():
    assert lost(row(beat_ago=20, up=False, since_ago=60), NOW, LOST_AFTER) == NodeLoss(
        "a", LossCause.SILENT, NOW - timedelta(seconds=60))


def test_an_asterisk_never_seen_up_is_down_since_its_allo_started():
    fresh = NodeRow("a", NOW - timedelta(seconds=3), NOW, False, None)
    assert lost(fresh, NOW, LOST_AFTER) is None
    old = NodeRow("a", NOW - timedelta(seconds=30), NOW, False, None)
    assert lost(old, NOW, LOST_AFTER) == NodeLoss("a", LossCause.ASTERISK_DOWN, NOW - timedelta(seconds=30))


def test_a_node_that_came_back_is_not_lost_any_more():
    came_back = row(beat_ago=0.2, up=True, since_ago=1)  # beats again, its Asterisk up for a second
    assert lost(came_back, NOW, LOST_AFTER) is None


def test_lost_nodes_by_name_and_a_node_never_seen_is_never_lost():
    rows = [row("b", beat_ago=30), row("a"), row("c", up=False, since_ago=9)]
    assert [(loss.node, loss.cause) for loss in lost_nodes(rows, NOW, LOST_AFTER)] == [
        ("b", LossCause.SILENT), ("c", LossCause.ASTERISK_DOWN)]
    assert lost_nodes([], NOW, LOST_AFTER) == []  # no row: nothing to decide for any node
