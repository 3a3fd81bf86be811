from acd.ami.event_types import DeviceState
from acd.live.state import MemberState, QueueLive
from acd.queues.summary import member_counts


def member(name: str, *, paused: bool = False, in_call: bool = False,
           status: DeviceState = DeviceState.NOT_INUSE, reason: str = "pause") -> MemberState:
    return MemberState(f"PJSIP/{name}", name, status, paused, reason if paused else "", in_call, 0)


def test_member_counts_by_state():
    queue = QueueLive("l1")
    for m in (member("a"), member("b", paused=True), member("c", in_call=True, status=DeviceState.INUSE),
              member("d", status=DeviceState.UNAVAILABLE)):
        queue.members[m.interface] = m
    assert member_counts(queue) == {"logged_in": 4, "available": 1, "on_call": 1, "paused": 1, "wrapup": 0}
    assert member_counts(QueueLive("l2-travail")) == {"logged_in": 0, "available": 0, "on_call": 0, "paused": 0,
                                                      "wrapup": 0}


def test_the_wrapup_pause_is_counted_apart_from_own_pauses():
    queue = QueueLive("l1")
    for m in (member("a", paused=True, in_call=True, status=DeviceState.INUSE, reason="apres-appel/0/1.1"),
              member("b", paused=True, reason="apres-appel/1765000000/1.2"), member("c", paused=True)):
        queue.members[m.interface] = m
    assert member_counts(queue) == {"logged_in": 3, "available": 0, "on_call": 1, "paused": 1, "wrapup": 2}
