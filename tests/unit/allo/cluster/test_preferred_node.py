"""Which node dials the callbacks when one is preferred (ALLO_CALLBACK_NODE): the preferred node whenever it is up,
another only while it is not (pure: the decision over one cluster_nodes row and the database's clock)."""

from datetime import UTC, datetime, timedelta

from allo.cluster.node_loss import NodeRow
from allo.cluster.preferred import leaves_it_to_the_preferred

NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
LOST_AFTER = timedelta(seconds=5)


def row(beat_ago: float, asterisk_up: bool = True, down_ago: float | None = None) -> NodeRow:
    since = NOW - timedelta(seconds=down_ago) if down_ago is not None else None
    return NodeRow("a", NOW - timedelta(minutes=10), NOW - timedelta(seconds=beat_ago), asterisk_up, since)


def test_another_node_leaves_them_to_the_preferred_node_while_it_is_up():
    assert leaves_it_to_the_preferred("b", "a", row(0.5), NOW, LOST_AFTER)
    assert leaves_it_to_the_preferred("b", "a", row(5.0), NOW, LOST_AFTER)  # exactly the limit: not yet lost


def test_another_node_dials_when_the_preferred_node_is_silent_or_without_its_asterisk():
    assert not leaves_it_to_the_preferred("b", "a", row(5.1), NOW, LOST_AFTER)
    assert not leaves_it_to_the_preferred("b", "a", row(0.5, asterisk_up=False, down_ago=1.0), NOW, LOST_AFTER)


def test_the_preferred_node_itself_no_preference_or_a_node_never_seen_take_the_lock_as_before():
    assert not leaves_it_to_the_preferred("a", "a", row(0.5), NOW, LOST_AFTER)
    assert not leaves_it_to_the_preferred("b", "", row(0.5), NOW, LOST_AFTER)
    assert not leaves_it_to_the_preferred("b", "a", None, NOW, LOST_AFTER)
