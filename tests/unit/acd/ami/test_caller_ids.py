"""An `AgentComplete` sent without the caller's fields (the caller channel gone first) gets its call id back."""

from __future__ import annotations

from acd.ami.caller_ids import CallerIds
from acd.ami.event_types import AgentComplete, AgentConnect, Hangup
from acd.ami.events import parse_event


def connect(queue: str, interface: str, call: str) -> AgentConnect:
    return AgentConnect(queue, call, call, interface, "Agent", 3, 2, f"{interface}-0001")


def complete(queue: str, interface: str, call: str = "", reason: str = "agent") -> AgentComplete:
    return AgentComplete(queue, call, interface, "Agent", 3, 1, reason)


def test_the_event_asterisk_sends_without_a_caller_snapshot_parses_to_an_empty_id() -> None:
    # app_queue's handle_hangup when ast_channel_snapshot_get_latest(caller) is NULL: member fields only.
    event = parse_event({"Event": "AgentComplete", "Queue": "l1", "DestChannel": "PJSIP/agent1001-00000003",
                         "DestUniqueid": "1796680220.12", "Interface": "PJSIP/agent1001",
                         "MemberName": "agent1001", "HoldTime": "1", "TalkTime": "0", "Reason": "agent"})
    assert isinstance(event, AgentComplete)
    assert event.uniqueid == ""
    ids = CallerIds()
    ids.fill(connect("l1", "PJSIP/agent1001", "1796680220.11"))
    assert ids.fill(event) == AgentComplete("l1", "1796680220.11", "PJSIP/agent1001", "agent1001", 1, 0, "agent")


def test_a_complete_event_with_its_id_is_left_as_it_is_and_forgets_the_call() -> None:
    ids = CallerIds()
    ids.fill(connect("l1", "PJSIP/a", "c1"))
    whole = complete("l1", "PJSIP/a", "c1")
    assert ids.fill(whole) is whole
    assert len(ids) == 0


def test_the_id_comes_from_the_same_member_in_the_same_queue() -> None:
    ids = CallerIds()
    ids.fill(connect("l1", "PJSIP/a", "c1"))
    ids.fill(connect("l1", "PJSIP/b", "c2"))
    ids.fill(connect("travail", "PJSIP/a", "c3"))  # the same adviser, a level-2 call after a transfer
    assert ids.fill(complete("l1", "PJSIP/b")).uniqueid == "c2"
    assert ids.fill(complete("travail", "PJSIP/a")).uniqueid == "c3"
    assert ids.fill(complete("l1", "PJSIP/a")).uniqueid == "c1"


def test_the_member_next_call_replaces_the_previous_one() -> None:
    ids = CallerIds()
    ids.fill(connect("l1", "PJSIP/a", "c1"))
    ids.fill(connect("l1", "PJSIP/a", "c2"))  # the end of c1 was lost with a connection
    assert ids.fill(complete("l1", "PJSIP/a")).uniqueid == "c2"


def test_without_a_known_call_the_event_stays_empty_and_other_events_pass_through() -> None:
    ids = CallerIds()
    hangup = Hangup("c9", "c9", "PJSIP/x-1", 16)
    assert ids.fill(hangup) is hangup
    assert ids.fill(complete("l1", "PJSIP/a")).uniqueid == ""


def test_the_memory_is_bounded() -> None:
    ids = CallerIds(limit=3)
    for n in range(10):
        ids.fill(connect("l1", f"PJSIP/a{n}", f"c{n}"))
    assert len(ids) == 3
    assert ids.fill(complete("l1", "PJSIP/a0")).uniqueid == ""
    assert ids.fill(complete("l1", "PJSIP/a9")).uniqueid == "c9"
