"""Calls connected to an adviser (acd/live/calls.py): from the queue, and a repeat caller rung directly."""

from __future__ import annotations

from acd.ami.events import parse_event
from acd.live.calls import ActiveCalls


def test_a_repeat_caller_rung_directly_is_connected_until_the_caller_hangs_up() -> None:
    calls = ActiveCalls()
    calls.apply(parse_event({"Event": "UserEvent", "UserEvent": "AlloPreferredAnswer", "Call": "1700.5",
                             "Queue": "l1", "Agent": "agent1002", "Channel": "PJSIP/agent1002-0000000a"}), 10.0)
    connected = calls.get("1700.5")
    assert connected is not None
    assert (connected.queue, connected.agent, connected.agent_channel) == ("l1", "agent1002",
                                                                           "PJSIP/agent1002-0000000a")
    calls.apply(parse_event({"Event": "Hangup", "Uniqueid": "1700.5", "Linkedid": "1700.5",
                             "Channel": "PJSIP/trunk-00000009", "Cause": "16"}), 20.0)
    assert calls.get("1700.5") is None


def test_a_direct_ring_without_the_advisers_channel_is_not_a_transferable_call() -> None:
    calls = ActiveCalls()
    calls.apply(parse_event({"Event": "UserEvent", "UserEvent": "AlloPreferredAnswer", "Call": "1700.6",
                             "Queue": "l1", "Agent": "agent1002"}), 10.0)
    assert calls.get("1700.6") is None
