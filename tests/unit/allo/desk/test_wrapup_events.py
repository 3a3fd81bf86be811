"""What the wrap-up manager reads from AMI events and the live state (pure)."""

from __future__ import annotations

from acd.ami.events import parse_event
from acd.live.state import Instant, LiveState
from allo.desk.wrapup_events import CallPhase, call_phase, member_pause, paused_members


def event(name: str, **fields: str):
    return parse_event({"Event": name, **fields})


CONNECT = event("AgentConnect", Queue="l1", Uniqueid="1.1", Linkedid="1.1", Interface="PJSIP/agent1001",
                MemberName="agent1001", HoldTime="3", RingTime="1", DestChannel="PJSIP/agent1001-0001")


def test_a_queue_connect_starts_and_a_complete_ends_the_call_for_the_adviser():
    assert call_phase(CONNECT, {}) == CallPhase("1.1", "l1", "agent1001", True)
    complete = event("AgentComplete", Queue="l1", Uniqueid="1.1", Interface="PJSIP/agent1001",
                     MemberName="agent1001", HoldTime="3", TalkTime="20", Reason="transfer")
    # A blind transfer ends the call for the level-1 adviser: their wrap-up starts.
    assert call_phase(complete, {}) == CallPhase("1.1", "l1", "agent1001", False)
    assert CallPhase("1.1", "l1", "agent1001", True).interface == "PJSIP/agent1001"


def test_the_direct_ring_of_a_repeat_caller_ends_with_the_hangup_of_the_call_or_of_the_adviser():
    answer = event("UserEvent", UserEvent="AlloPreferredAnswer", Call="7.7", Queue="l1", Agent="agent1002")
    ring = call_phase(answer, {})
    assert ring == CallPhase("7.7", "l1", "agent1002", True)
    direct = {"7.7": ring}
    caller_gone = event("Hangup", Uniqueid="7.7", Linkedid="7.7", Channel="PJSIP/trunk-0001", Cause="16")
    adviser_gone = event("Hangup", Uniqueid="7.9", Linkedid="7.7", Channel="PJSIP/agent1002-0002", Cause="16")
    other_leg = event("Hangup", Uniqueid="7.8", Linkedid="7.7", Channel="Local/x@allo-queue-say-0001;1", Cause="16")
    assert call_phase(caller_gone, direct) == CallPhase("7.7", "l1", "agent1002", False)
    assert call_phase(adviser_gone, direct) == CallPhase("7.7", "l1", "agent1002", False)
    assert call_phase(other_leg, direct) is None
    assert call_phase(caller_gone, {}) is None  # no direct ring known: a hang-up of any other call


def _live(*members: dict[str, str]) -> LiveState:
    live = LiveState(lambda: Instant(0.0, 1000.0))
    for fields in members:
        defaults = {"Interface": "PJSIP/agent1001", "MemberName": "agent1001", "Status": "1", "InCall": "0",
                    "Paused": "0", "PausedReason": "", "CallsTaken": "0"}
        live.apply(event("QueueMemberStatus", **(defaults | fields)))
    return live


def test_an_adviser_paused_by_themself_is_their_own_pause_never_a_wrapup():
    live = _live({"Queue": "l1", "Paused": "1", "PausedReason": "telephone"},
                 {"Queue": "l2-justice", "Paused": "1", "PausedReason": "apres-appel/0/1.1"})
    pause = member_pause(live.queues, "PJSIP/agent1001")
    assert pause.paused and pause.own and pause.reason == "apres-appel/0/1.1"
    assert paused_members(live.queues) == {"PJSIP/agent1001": "agent1001"}


def test_a_wrapup_pause_and_the_phone_in_use_count_as_in_call():
    live = _live({"Queue": "l1", "Paused": "1", "PausedReason": "apres-appel/0/1.1", "Status": "2"})
    pause = member_pause(live.queues, "PJSIP/agent1001")
    assert pause.known and pause.paused and not pause.own and pause.in_call
    idle = member_pause(_live({"Queue": "l1"}).queues, "PJSIP/agent1001")
    assert idle.known and not idle.paused and not idle.in_call and idle.reason == ""
    assert not member_pause(live.queues, "PJSIP/nobody").known
