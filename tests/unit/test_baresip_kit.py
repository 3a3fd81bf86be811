"""The REFER tests' precondition, read from `core show channels concise` (Asterisk 22's format)."""

from tests.e2e.baresip_kit import bridged_channels

CONCISE = (
    "PJSIP/trunk-00000001!allo-inbound!3939!12!Up!Queue!l1,tT,,,300,,allo-queue-member!0656212121!!!3!4!"
    "b1a7f3c2-0d8e-4e5f-9a1b-1c2d3e4f5a6b!a-1765150000.1\n"
    "PJSIP/agent1001-00000002!allo-agent!s!1!Up!AppQueue!(Outgoing Line)!agent1001!!!3!3!"
    "b1a7f3c2-0d8e-4e5f-9a1b-1c2d3e4f5a6b!a-1765150000.2\n"
    "PJSIP/agent2001-00000003!allo-agent!s!1!Up!AppQueue!(Outgoing Line)!agent2001!!!3!0!!a-1765150000.3\n"
)


def test_an_adviser_channel_in_a_bridge_is_found():
    assert bridged_channels(CONCISE, "PJSIP/agent1001-") == ["PJSIP/agent1001-00000002"]


def test_an_adviser_channel_answered_but_not_yet_bridged_is_not():
    assert bridged_channels(CONCISE, "PJSIP/agent2001-") == []


def test_no_channel_or_a_cli_error_is_not_bridged():
    assert bridged_channels("", "PJSIP/agent1001-") == []
    assert bridged_channels("No such command 'core show channels concise'\n", "PJSIP/agent1001-") == []
