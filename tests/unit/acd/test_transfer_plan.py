from acd.ami.event_types import DeviceState
from acd.ami.events import parse_event
from acd.live.calls import ActiveCalls
from acd.live.state import MemberState, QueueLive
from acd.transfer import SHORT_NUMBERS, TransferPlan, TransferRefusal, plan_transfer, sector_refusal


def staffed() -> QueueLive:
    queue = QueueLive("l2-travail")
    queue.members["PJSIP/agent2001"] = MemberState("PJSIP/agent2001", "agent2001", DeviceState.NOT_INUSE, False, "",
                                                   False, 0)
    return queue


def test_transfer_plan_targets_the_agent_channel_and_the_sector_short_number():
    plan = plan_transfer("travail", "l2-travail", True, staffed(), "PJSIP/agent1001-00000002")
    assert plan == TransferPlan("PJSIP/agent1001-00000002", "allo-transfer", "82", "l2-travail")


def test_refusals_in_order():
    assert plan_transfer("meteo", None, True, staffed(), "chan") is TransferRefusal.UNKNOWN_SECTOR
    assert plan_transfer("travail", "l2-travail", False, staffed(), "chan") is TransferRefusal.SECTOR_CLOSED
    assert plan_transfer("travail", "l2-travail", True, QueueLive("l2-travail"), "chan") \
        is TransferRefusal.NO_AGENT_LOGGED_IN
    assert plan_transfer("travail", "l2-travail", True, None, "chan") is TransferRefusal.NO_AGENT_LOGGED_IN
    assert plan_transfer("travail", "l2-travail", True, staffed(), None) is TransferRefusal.CALL_NOT_WITH_AN_AGENT


def test_arrival_check_needs_no_agent_channel():
    """A caller arriving by REFER is checked on the sector alone (nobody holds the call any more)."""
    assert sector_refusal("travail", "l2-travail", True, staffed()) is None
    assert sector_refusal("travail", "l2-travail", False, staffed()) is TransferRefusal.SECTOR_CLOSED
    assert sector_refusal("travail", "l2-travail", True, QueueLive("l2-travail")) is TransferRefusal.NO_AGENT_LOGGED_IN
    assert sector_refusal("meteo", "l2-meteo", True, staffed()) is TransferRefusal.UNKNOWN_SECTOR


def test_short_numbers_cover_the_six_sectors_once():
    assert sorted(SHORT_NUMBERS) == ["consommation", "fiscalite", "interieur", "justice", "logement", "travail"]
    assert sorted(SHORT_NUMBERS.values()) == ["81", "82", "83", "84", "85", "86"]


def test_active_calls_follow_connect_complete_and_hangup():
    calls = ActiveCalls()
    calls.apply(parse_event({"Event": "AgentConnect", "Queue": "l1", "Uniqueid": "1.1", "MemberName": "agent1001",
                             "DestChannel": "PJSIP/agent1001-1"}), 100.0)
    assert calls.get("1.1").agent_channel == "PJSIP/agent1001-1"
    assert calls.to_list(103.0) == [{"call_id": "1.1", "queue": "l1", "agent": "agent1001", "talking_seconds": 3.0}]
    # Level 2 connects before level 1's AgentComplete arrives: the level-2 leg must survive it.
    calls.apply(parse_event({"Event": "AgentConnect", "Queue": "l2-travail", "Uniqueid": "1.1",
                             "MemberName": "agent2001", "DestChannel": "PJSIP/agent2001-2"}), 104.0)
    calls.apply(parse_event({"Event": "AgentComplete", "Queue": "l1", "Uniqueid": "1.1", "Reason": "transfer"}), 104.1)
    assert calls.get("1.1").agent == "agent2001"
    calls.apply(parse_event({"Event": "Hangup", "Uniqueid": "1.1"}), 110.0)
    assert calls.get("1.1") is None


def test_a_transfer_refused_before_the_bridge_is_asked_again_for_a_bounded_time():
    from acd.transfer import BRIDGE_WAIT_S, NOT_YET_BRIDGED, retry_transfer
    assert retry_transfer(NOT_YET_BRIDGED, 0.0)
    assert retry_transfer(NOT_YET_BRIDGED, BRIDGE_WAIT_S - 0.2)
    assert not retry_transfer(NOT_YET_BRIDGED, BRIDGE_WAIT_S)
    assert not retry_transfer("Transfer not permitted", 0.0)
    assert not retry_transfer("Channel specified does not exist", 0.0)
    assert not retry_transfer(None, 0.0)
