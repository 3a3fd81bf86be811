"""LiveState: resync from a QueueStatus snapshot, then live events."""

from __future__ import annotations

import json

import pytest

from acd.ami.event_types import DeviceState
from acd.ami.events import (
    AgentComplete,
    AgentConnect,
    AmiEvent,
    FullyBooted,
    Hangup,
    QueueCallerAbandon,
    QueueCallerJoin,
    QueueCallerLeave,
    QueueEntry,
    QueueMember,
    QueueMemberAdded,
    QueueMemberPause,
    QueueMemberRemoved,
    QueueMemberStatus,
    QueueParams,
    UnknownEvent,
    parse_event,
)
from acd.live.state import Instant, LiveState, system_clock


class FakeClock:
    def __init__(self) -> None:
        self.monotonic = 1000.0
        self.wall = 1_700_000_000.0

    def __call__(self) -> Instant:
        return Instant(self.monotonic, self.wall)

    def advance(self, seconds: float) -> None:
        self.monotonic += seconds
        self.wall += seconds


def params(queue: str = "general") -> QueueParams:
    return QueueParams(queue, 0, "leastrecent", 0, 0, 0, 0, 0, 60, 0.0)


def member(queue: str = "general", interface: str = "PJSIP/agent1", **changes: object) -> QueueMember:
    values: dict[str, object] = {
        "member_name": "Agent One",
        "status": 1,
        "paused": False,
        "reason": "",
        "in_call": False,
        "calls_taken": 0,
    }
    values.update(changes)
    return QueueMember(queue=queue, interface=interface, **values)  # type: ignore[arg-type]


def join(uniqueid: str, position: int, queue: str = "general") -> QueueCallerJoin:
    return QueueCallerJoin(queue, uniqueid, uniqueid, f"PJSIP/trunk-{uniqueid}", position, position)


def leave(uniqueid: str, position: int = 1, queue: str = "general") -> QueueCallerLeave:
    return QueueCallerLeave(queue, uniqueid, f"PJSIP/trunk-{uniqueid}", position, 0)


def positions(state: LiveState, queue: str = "general") -> list[tuple[str, int]]:
    return [(caller.uniqueid, caller.position) for caller in state.queues[queue].ordered_waiting()]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def state(clock: FakeClock) -> LiveState:
    live = LiveState(clock)
    live.resync([params(), member(), QueueEntry("general", "u0", "PJSIP/trunk-u0", 1, 30)])
    return live


def test_resync_builds_queues_members_and_callers(state: LiveState, clock: FakeClock) -> None:
    queue = state.queues["general"]
    assert queue.strategy == "leastrecent"
    assert set(queue.members) == {"PJSIP/agent1"}
    assert queue.members["PJSIP/agent1"].status is DeviceState.NOT_INUSE
    assert queue.members["PJSIP/agent1"].available
    caller = queue.waiting["u0"]
    assert caller.position == 1
    assert caller.joined_monotonic == clock.monotonic - 30
    assert caller.joined_wall == clock.wall - 30
    assert state.synced_at == clock.wall
    clock.advance(12)
    view = state.to_dict()
    assert view["waiting"] == 1
    assert view["queues"][0]["waiting"][0]["wait_seconds"] == 42.0
    assert view["queues"][0]["longest_wait_seconds"] == 42.0
    assert view["queues"][0]["members_available"] == 1


def test_resync_replaces_everything_but_keeps_counters(state: LiveState) -> None:
    state.apply(join("u1", 2))
    state.apply(QueueMemberAdded("general", "PJSIP/agent9", "Agent Nine", 1, False, "", False, 0))
    state.resync([params(), params("other"), member("other", "PJSIP/agent2")])
    assert state.queues["general"].waiting == {}
    assert state.queues["general"].members == {}
    assert state.queues["general"].counters.joined == 1
    assert set(state.queues["other"].members) == {"PJSIP/agent2"}


def test_resync_drops_vanished_queues_without_history(clock: FakeClock) -> None:
    live = LiveState(clock)
    live.resync([params("a"), params("b")])
    live.apply(join("u1", 1, queue="b"))
    live.resync([params("c")])
    assert set(live.queues) == {"b", "c"}
    assert live.queues["b"].counters.joined == 1
    assert live.queues["b"].waiting == {}


def test_join_counts_and_positions(state: LiveState) -> None:
    state.apply(join("u1", 2))
    state.apply(join("u2", 3))
    assert positions(state) == [("u0", 1), ("u1", 2), ("u2", 3)]
    assert state.queues["general"].counters.joined == 2
    # a higher-priority caller inserted at position 1 pushes the others back
    state.apply(join("vip", 1))
    assert positions(state) == [("vip", 1), ("u0", 2), ("u1", 3), ("u2", 4)]


def test_duplicate_join_is_not_counted_twice(state: LiveState) -> None:
    state.apply(join("u1", 2))
    state.apply(join("u1", 2))
    assert state.queues["general"].counters.joined == 1
    assert positions(state) == [("u0", 1), ("u1", 2)]


def test_join_without_position_goes_last(state: LiveState) -> None:
    state.apply(join("u1", 0))
    assert positions(state) == [("u0", 1), ("u1", 2)]


def test_leave_renumbers_callers_behind(state: LiveState) -> None:
    state.apply(join("u1", 2))
    state.apply(join("u2", 3))
    state.apply(leave("u0", 1))
    assert positions(state) == [("u1", 1), ("u2", 2)]
    state.apply(leave("not-there"))
    assert positions(state) == [("u1", 1), ("u2", 2)]


def test_abandon_counts_and_removes(state: LiveState) -> None:
    state.apply(join("u1", 2))
    state.apply(QueueCallerAbandon("general", "u0", 1, 1, 50))
    state.apply(leave("u0", 1))  # Asterisk follows with a leave: no double effect
    assert positions(state) == [("u1", 1)]
    counters = state.queues["general"].counters
    assert (counters.joined, counters.abandoned, counters.answered) == (1, 1, 0)


def test_answer_then_complete(state: LiveState) -> None:
    state.apply(AgentConnect("general", "u0", "u0", "PJSIP/agent1", "Agent One", 30, 3, "PJSIP/agent1-01"))
    queue = state.queues["general"]
    assert queue.waiting == {}
    assert queue.members["PJSIP/agent1"].in_call
    assert not queue.members["PJSIP/agent1"].available
    state.apply(leave("u0"))
    state.apply(AgentComplete("general", "u0", "PJSIP/agent1", "Agent One", 30, 200, "caller"))
    assert not queue.members["PJSIP/agent1"].in_call
    assert (queue.counters.answered, queue.counters.completed, queue.counters.abandoned) == (1, 1, 0)


def test_member_pause_status_add_remove(state: LiveState) -> None:
    state.apply(QueueMemberPause("general", "PJSIP/agent1", "Agent One", 1, True, "lunch", False, 3))
    agent = state.queues["general"].members["PJSIP/agent1"]
    assert (agent.paused, agent.reason, agent.calls_taken, agent.available) == (True, "lunch", 3, False)
    state.apply(QueueMemberPause("general", "PJSIP/agent1", "Agent One", 1, False, "", False, 3))
    assert state.queues["general"].members["PJSIP/agent1"].available
    state.apply(QueueMemberStatus("general", "PJSIP/agent1", "Agent One", 6, False, "", False, 3))
    assert state.queues["general"].members["PJSIP/agent1"].status is DeviceState.RINGING
    state.apply(QueueMemberAdded("general", "PJSIP/agent2", "Agent Two", 5, False, "", False, 0))
    assert state.queues["general"].members["PJSIP/agent2"].status is DeviceState.UNAVAILABLE
    state.apply(QueueMemberRemoved("general", "PJSIP/agent1", "Agent One", 0, False, "", False, 0))
    assert set(state.queues["general"].members) == {"PJSIP/agent2"}


def test_hangup_removes_a_caller_left_behind(state: LiveState) -> None:
    state.apply(join("u1", 2))
    state.apply(Hangup("u0", "u0", "PJSIP/trunk-u0", 16))
    assert positions(state) == [("u1", 1)]
    assert state.queues["general"].counters.abandoned == 0


def test_events_for_unknown_queue_create_it(state: LiveState) -> None:
    state.apply(join("x1", 1, queue="new"))
    assert positions(state, "new") == [("x1", 1)]


@pytest.mark.parametrize(
    "event",
    [FullyBooted(), UnknownEvent("Newchannel", {"Channel": "c"}), params()],
)
def test_irrelevant_events_change_nothing(state: LiveState, event: AmiEvent) -> None:
    before = state.to_dict()
    state.apply(event)
    assert state.to_dict() == before


def test_reset_counters(state: LiveState, clock: FakeClock) -> None:
    state.apply(join("u1", 2))
    clock.advance(3600)
    state.reset_counters()
    view = state.to_dict()
    assert view["counters"] == {"joined": 0, "answered": 0, "abandoned": 0, "completed": 0}
    assert view["counters_since"] == clock.wall
    assert view["waiting"] == 2


def test_to_dict_is_json_and_has_no_caller_identity(clock: FakeClock) -> None:
    private = {"CallerIDNum": "0612345678", "CallerIDName": "Jean Dupont", "ConnectedLineNum": "0698765432"}
    live = LiveState(clock)
    live.resync(
        [
            parse_event({"Event": "QueueParams", "Queue": "general", "Strategy": "leastrecent"}),
            parse_event({"Event": "QueueEntry", "Queue": "general", "Uniqueid": "u0", "Wait": "5", **private}),
        ]
    )
    live.apply(parse_event({"Event": "QueueCallerJoin", "Queue": "general", "Uniqueid": "u1", **private}))
    live.apply(
        parse_event({"Event": "AgentConnect", "Queue": "general", "Uniqueid": "u0", "Interface": "PJSIP/a", **private})
    )
    text = json.dumps(live.to_dict())
    for value in private.values():
        assert value not in text
    view = json.loads(text)
    assert view["counters"] == {"joined": 1, "answered": 1, "abandoned": 0, "completed": 0}
    assert view["queues"][0]["waiting"] == [
        {"uniqueid": "u1", "position": 1, "joined_at": clock.wall, "wait_seconds": 0.0}
    ]


def test_member_view(state: LiveState) -> None:
    members = state.to_dict()["queues"][0]["members"]
    assert members == [
        {
            "interface": "PJSIP/agent1",
            "name": "Agent One",
            "status": "not_inuse",
            "paused": False,
            "reason": "",
            "in_call": False,
            "calls_taken": 0,
            "available": True,
        }
    ]


def test_system_clock_is_sane() -> None:
    first = system_clock()
    second = system_clock()
    assert second.monotonic >= first.monotonic
    assert first.wall > 1_600_000_000
