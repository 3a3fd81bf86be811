"""Both nodes' queues as one (docs/dashboard.md, "Two nodes"): a node's snapshot, the merge with the others' rows."""

from __future__ import annotations

import json

from acd.ami.event_types import AgentConnect, QueueCallerJoin, QueueMember
from acd.live.calls import ActiveCalls
from acd.live.state import Instant, LiveState
from allo.dashboard.node_live import RemoteRow, merge_live, snapshot_of
from allo.dashboard.view import ClusterView, DayData, dashboard_view

WALL = 1_800_000_000.0


class Clock:
    def __init__(self, monotonic: float = 1000.0) -> None:
        self.monotonic, self.wall = monotonic, WALL

    def __call__(self) -> Instant:
        return Instant(self.monotonic, self.wall)

    def advance(self, seconds: float) -> None:
        self.monotonic += seconds
        self.wall += seconds


def member(agent: str, queue: str = "l1", *, status: int = 1, paused: bool = False, reason: str = "",
           in_call: bool = False) -> QueueMember:
    return QueueMember(queue=queue, interface=f"PJSIP/{agent}", member_name=agent, status=status, paused=paused,
                       reason=reason, in_call=in_call, calls_taken=2)


def join(uniqueid: str, queue: str = "l1", position: int = 1) -> QueueCallerJoin:
    return QueueCallerJoin(queue, uniqueid, uniqueid, f"PJSIP/trunk-{uniqueid}", position, position)


def node_state(clock: Clock, members: list[QueueMember], joins: list[tuple[QueueCallerJoin, float]]) -> LiveState:
    """A node's live state: its members, then callers joining `seconds` after one another."""
    live = LiveState(clock)
    live.resync(members)
    for event, after in joins:
        clock.advance(after)
        live.apply(event)
    return live


def remote(node: str, live: LiveState, *, age: float = 0.5, calls: ActiveCalls | None = None,
           ami: bool = True) -> RemoteRow:
    """The row `node` would write, through JSON as PostgreSQL gives it back."""
    snapshot = snapshot_of(live, (calls or ActiveCalls()).calls(), ami_up=ami)
    return RemoteRow(node, json.loads(json.dumps(snapshot)), age)


def test_callers_of_both_nodes_in_one_list_by_arrival_with_their_node() -> None:
    # b's Asterisk runs on another machine: another monotonic clock, the same wall clock.
    clock_a, clock_b = Clock(1000.0), Clock(50.0)
    b = node_state(clock_b, [member("agent1001")], [(join("b-1.1"), 0), (join("b-1.2", position=2), 20)])
    a = node_state(clock_a, [member("agent1001")], [(join("a-1.1"), 10), (join("a-1.2", position=2), 20)])
    clock_a.advance(5)  # now: a-1.1 waited 25 s, b-1.1 35 s, b-1.2 15 s, a-1.2 5 s
    merged = merge_live("a", a, [], [remote("b", b)], clock_a(), ami_up=True, fresh_seconds=5)
    queue = merged.queues["l1"]
    assert [(c.uniqueid, c.position) for c in queue.ordered_waiting()] == \
        [("b-1.1", 1), ("a-1.1", 2), ("b-1.2", 3), ("a-1.2", 4)]
    assert {u: merged.caller_node[u] for u in queue.waiting} == \
        {"a-1.1": "a", "a-1.2": "a", "b-1.1": "b", "b-1.2": "b"}
    document = dashboard_view(merged, merged.calls, DayData(), clock_a(), ami_up=True,
                              cluster=ClusterView(merged.caller_node, [n.document() for n in merged.nodes]))
    l1 = document["queues"][0]
    assert l1["waiting"] == 4 and document["waiting"] == 4
    assert l1["longest_wait_seconds"] == 35.0  # b's first caller, measured on a's clock from the wall times
    assert [(c["uniqueid"], c["node"], c["wait_seconds"]) for c in l1["callers"]] == \
        [("b-1.1", "b", 35.0), ("a-1.1", "a", 25.0), ("b-1.2", "b", 15.0), ("a-1.2", "a", 5.0)]
    assert document["live_nodes"] == [{"node": "a", "fresh": True, "age_seconds": None, "ami": "up"},
                                 {"node": "b", "fresh": True, "age_seconds": 0.5, "ami": "up"}]


def test_each_nodes_own_order_is_kept_when_priority_overtook_arrival() -> None:
    # On a, a transferred caller (higher priority) is first though they arrived after a-1.1.
    clock = Clock()
    a = node_state(clock, [], [(join("a-1.1"), 0), (join("a-1.2", position=1), 10)])
    assert [c.uniqueid for c in a.queues["l1"].ordered_waiting()] == ["a-1.2", "a-1.1"]
    b = node_state(Clock(), [], [(join("b-1.1"), 0)])
    merged = merge_live("a", a, [], [remote("b", b)], clock(), ami_up=True, fresh_seconds=5)
    order = [c.uniqueid for c in merged.queues["l1"].ordered_waiting()]
    assert order.index("a-1.2") < order.index("a-1.1")


def test_an_adviser_in_a_call_on_either_node_is_in_a_call() -> None:
    clock = Clock()
    a = node_state(clock, [member("agent1001"), member("agent1002")], [])
    b = node_state(Clock(), [member("agent1001", status=2, in_call=True), member("agent1002", status=5)], [])
    calls_b = ActiveCalls()
    calls_b.apply(AgentConnect("l1", "b-9.1", "b-9.1", "PJSIP/agent1001", "agent1001", 12, 3,
                                 "PJSIP/agent1001-01"),
                  WALL - 30)
    merged = merge_live("a", a, [], [remote("b", b, calls=calls_b)], clock(), ami_up=True, fresh_seconds=5)
    members = merged.queues["l1"].members
    assert members["PJSIP/agent1001"].in_call and members["PJSIP/agent1001"].status.name == "INUSE"
    assert members["PJSIP/agent1001"].calls_taken == 4  # each node's count, summed
    assert members["PJSIP/agent1002"].status.name == "NOT_INUSE"  # reachable from a, though b cannot reach it
    document = dashboard_view(merged, merged.calls, DayData(), clock(), ami_up=True)
    agents = {x["agent"]: x for x in document["agents"]}
    assert agents["agent1001"]["state"] == "on_call" and agents["agent1001"]["call_seconds"] == 30.0
    assert agents["agent1002"]["state"] == "available"
    assert document["queues"][0]["agents"]["on_call"] == 1


def test_a_pause_of_their_own_on_one_node_shows_over_a_wrapup_on_the_other() -> None:
    clock = Clock()
    a = node_state(clock, [member("agent1001", paused=True, reason="apres-appel/0/a-1.1")], [])
    b = node_state(Clock(), [member("agent1001", paused=True, reason="formation")], [])
    merged = merge_live("a", a, [], [remote("b", b)], clock(), ami_up=True, fresh_seconds=5)
    assert merged.queues["l1"].members["PJSIP/agent1001"].reason == "formation"


def test_a_stale_row_is_left_out_and_said_stale() -> None:
    clock = Clock()
    a = node_state(clock, [member("agent1001")], [(join("a-1.1"), 0)])
    b = node_state(Clock(), [member("agent1001", in_call=True)], [(join("b-1.1"), 0)])
    merged = merge_live("a", a, [], [remote("b", b, age=12.0, ami=False)], clock(), ami_up=True, fresh_seconds=5)
    assert list(merged.queues["l1"].waiting) == ["a-1.1"]
    assert not merged.queues["l1"].members["PJSIP/agent1001"].in_call
    assert [n.document() for n in merged.nodes][1] == {"node": "b", "fresh": False, "age_seconds": 12.0,
                                                        "ami": "down"}


def test_a_queue_only_the_other_node_has_is_shown() -> None:
    clock = Clock()
    a = node_state(clock, [], [])
    b = node_state(Clock(), [member("agent1001", "l2-travail")], [(join("b-1.1", "l2-travail"), 0)])
    merged = merge_live("a", a, [], [remote("b", b)], clock(), ami_up=True, fresh_seconds=5)
    assert list(merged.queues["l2-travail"].waiting) == ["b-1.1"]
    assert "PJSIP/agent1001" in merged.queues["l2-travail"].members


def test_alone_the_merge_is_this_nodes_view() -> None:
    clock = Clock()
    a = node_state(clock, [member("agent1001"), member("agent1002", paused=True, reason="formation")],
                   [(join("a-1.1"), 0), (join("a-1.2", position=2), 3)])
    merged = merge_live("a", a, [], [], clock(), ami_up=False, fresh_seconds=5)
    alone = dashboard_view(a, [], DayData(), clock(), ami_up=False)
    assert dashboard_view(merged, merged.calls, DayData(), clock(), ami_up=False) == alone
    assert "live_nodes" not in alone and "node" not in alone["queues"][0]["callers"][0]


def test_the_snapshot_of_an_unchanged_view_is_equal_whenever_taken() -> None:
    clock = Clock()
    a = node_state(clock, [member("agent1001")], [(join("a-1.1"), 0)])
    first = snapshot_of(a, [], ami_up=True)
    clock.advance(3)
    assert snapshot_of(a, [], ami_up=True) == first
    a.apply(join("a-1.2", position=2))
    assert snapshot_of(a, [], ami_up=True) != first


def test_a_node_that_does_not_see_its_asterisk_is_left_out_but_listed() -> None:
    clock = Clock()
    a = node_state(clock, [], [(join("a-1.1"), 0)])
    b = node_state(Clock(), [], [(join("b-1.1"), 0)])
    merged = merge_live("a", a, [], [remote("b", b, ami=False)], clock(), ami_up=True, fresh_seconds=5)
    assert list(merged.queues["l1"].waiting) == ["a-1.1"]
    assert merged.nodes[1].document() == {"node": "b", "fresh": True, "age_seconds": 0.5, "ami": "down"}
