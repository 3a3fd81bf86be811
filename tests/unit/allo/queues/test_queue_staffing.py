"""Who counts as at work for the wait estimate: an adviser in a call or its wrap-up is, one on their own pause is
not (allo's wrap-up is a pause whose reason says so: docs/desk.md)."""

from __future__ import annotations

from acd.ami.event_types import DeviceState
from acd.live.state import MemberState, QueueLive
from allo.queues.entry import staffing


def test_advisers_in_a_call_or_its_wrapup_are_working_those_on_their_own_pause_are_not():
    queue = QueueLive("l1")
    for name, status, paused, reason, in_call in (
            ("a", DeviceState.INUSE, True, "apres-appel/0/1.1", True),  # in a call, wrap-up pause from its answer
            ("b", DeviceState.NOT_INUSE, True, "apres-appel/1765000000/1.2", False),  # wrap-up after the call
            ("c", DeviceState.NOT_INUSE, True, "dejeuner", False),
            ("d", DeviceState.NOT_INUSE, False, "", False)):
        queue.members[f"PJSIP/{name}"] = MemberState(f"PJSIP/{name}", name, status, paused, reason, in_call, 0)
    assert (staffing(queue).working, staffing(queue).available) == (3, 1)  # a, b and d; only d is free
