"""parse_event / parse_response: every event type, odd input, privacy scrubbing."""

from __future__ import annotations

import pytest

from acd.ami.event_types import DeviceState
from acd.ami.events import (
    AgentCalled,
    AgentComplete,
    AgentConnect,
    AgentRingNoAnswer,
    FullyBooted,
    Hangup,
    MemberEventBase,
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
    QueueStatusComplete,
    UnknownEvent,
    parse_event,
    parse_response,
)
from acd.ami.fields import is_private_key, scrub, to_bool, to_float, to_int

PRIVATE = {
    "CallerIDNum": "0612345678",
    "CallerIDName": "Jean Dupont",
    "ConnectedLineNum": "0698765432",
    "ConnectedLineName": "Marie Curie",
}
DEST_PRIVATE = {f"Dest{key}": value for key, value in PRIVATE.items()}


def member_fields(event: str) -> dict[str, str]:
    return {
        "Event": event,
        "Queue": "general",
        "MemberName": "Agent One",
        "Interface": "PJSIP/agent1",
        "StateInterface": "PJSIP/agent1",
        "Membership": "dynamic",
        "Penalty": "0",
        "CallsTaken": "7",
        "InCall": "1",
        "Status": "2",
        "Paused": "1",
        "PausedReason": "lunch",
        **PRIVATE,
    }


def test_fully_booted() -> None:
    assert parse_event({"Event": "FullyBooted", "Status": "Fully Booted"}) == FullyBooted("Fully Booted")


def test_queue_caller_join() -> None:
    event = parse_event(
        {
            "Event": "QueueCallerJoin",
            "Channel": "PJSIP/trunk-00000001",
            "Uniqueid": "1700000000.1",
            "Linkedid": "1700000000.0",
            "Queue": "general",
            "Position": "3",
            "Count": "3",
            **PRIVATE,
        }
    )
    assert event == QueueCallerJoin("general", "1700000000.1", "1700000000.0", "PJSIP/trunk-00000001", 3, 3)


def test_queue_caller_leave() -> None:
    event = parse_event(
        {
            "Event": "QueueCallerLeave",
            "Channel": "PJSIP/trunk-1",
            "Uniqueid": "u1",
            "Queue": "general",
            "Position": "1",
            "Count": "0",
        }
    )
    assert event == QueueCallerLeave("general", "u1", "PJSIP/trunk-1", 1, 0)


def test_queue_caller_abandon() -> None:
    event = parse_event(
        {
            "Event": "QueueCallerAbandon",
            "Uniqueid": "u1",
            "Queue": "general",
            "Position": "2",
            "OriginalPosition": "4",
            "HoldTime": "95",
        }
    )
    assert event == QueueCallerAbandon("general", "u1", 2, 4, 95)


def test_agent_called_and_ring_no_answer() -> None:
    base = {"Queue": "general", "Uniqueid": "u1", "Interface": "PJSIP/agent1", "MemberName": "Agent One"}
    assert parse_event({"Event": "AgentCalled", **base, **PRIVATE}) == AgentCalled(
        "general", "u1", "PJSIP/agent1", "Agent One"
    )
    assert parse_event({"Event": "AgentRingNoAnswer", **base, "RingTime": "15"}) == AgentRingNoAnswer(
        "general", "u1", "PJSIP/agent1", "Agent One", 15
    )


def test_agent_connect() -> None:
    event = parse_event(
        {
            "Event": "AgentConnect",
            "Queue": "general",
            "Uniqueid": "u1",
            "Linkedid": "l1",
            "Interface": "PJSIP/agent1",
            "MemberName": "Agent One",
            "HoldTime": "30",
            "RingTime": "4",
            "DestChannel": "PJSIP/agent1-0000002",
            **PRIVATE,
            **DEST_PRIVATE,
        }
    )
    assert event == AgentConnect("general", "u1", "l1", "PJSIP/agent1", "Agent One", 30, 4, "PJSIP/agent1-0000002")


def test_agent_complete() -> None:
    event = parse_event(
        {
            "Event": "AgentComplete",
            "Queue": "general",
            "Uniqueid": "u1",
            "Interface": "PJSIP/agent1",
            "MemberName": "Agent One",
            "HoldTime": "30",
            "TalkTime": "240",
            "Reason": "caller",
        }
    )
    assert event == AgentComplete("general", "u1", "PJSIP/agent1", "Agent One", 30, 240, "caller")


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("QueueMemberAdded", QueueMemberAdded),
        ("QueueMemberRemoved", QueueMemberRemoved),
        ("QueueMemberPause", QueueMemberPause),
        ("QueueMemberPaused", QueueMemberPause),
        ("QueueMemberStatus", QueueMemberStatus),
    ],
)
def test_member_events(name: str, kind: type[MemberEventBase]) -> None:
    event = parse_event(member_fields(name))
    assert isinstance(event, MemberEventBase)
    assert type(event) is kind
    assert event == kind("general", "PJSIP/agent1", "Agent One", 2, True, "lunch", True, 7)
    assert event.device_state is DeviceState.INUSE


def test_member_pause_with_legacy_reason_field() -> None:
    fields = member_fields("QueueMemberPause")
    del fields["PausedReason"]
    fields["Reason"] = "training"
    event = parse_event(fields)
    assert isinstance(event, QueueMemberPause)
    assert event.reason == "training"


def test_queue_status_items() -> None:
    params = parse_event(
        {
            "Event": "QueueParams",
            "Queue": "general",
            "Max": "10",
            "Strategy": "leastrecent",
            "Calls": "2",
            "Holdtime": "12",
            "TalkTime": "95",
            "Completed": "40",
            "Abandoned": "3",
            "ServiceLevel": "60",
            "ServicelevelPerf": "87.5",
            "ActionID": "a1",
        }
    )
    assert params == QueueParams("general", 10, "leastrecent", 2, 12, 95, 40, 3, 60, 87.5)
    member = parse_event(
        {
            "Event": "QueueMember",
            "Queue": "general",
            "Name": "Agent One",
            "Location": "PJSIP/agent1",
            "StateInterface": "PJSIP/agent1",
            "CallsTaken": "4",
            "InCall": "0",
            "Status": "1",
            "Paused": "0",
            "PausedReason": "",
            "Penalty": "3",
        }
    )
    assert member == QueueMember("general", "PJSIP/agent1", "Agent One", 1, False, "", False, 4, penalty=3)
    entry = parse_event(
        {
            "Event": "QueueEntry",
            "Queue": "general",
            "Position": "1",
            "Channel": "PJSIP/trunk-1",
            "Uniqueid": "u1",
            "Wait": "42",
            **PRIVATE,
        }
    )
    assert entry == QueueEntry("general", "u1", "PJSIP/trunk-1", 1, 42)
    done = parse_event({"Event": "QueueStatusComplete", "EventList": "Complete", "ListItems": "3"})
    assert done == QueueStatusComplete(3)


def test_hangup() -> None:
    event = parse_event(
        {"Event": "Hangup", "Uniqueid": "u1", "Linkedid": "l1", "Channel": "c", "Cause": "16", **PRIVATE}
    )
    assert event == Hangup("u1", "l1", "c", 16)


def test_field_names_are_case_insensitive_and_values_stripped() -> None:
    event = parse_event({"event": "queuecallerleave", "QUEUE": " general ", "uniqueID": "u1", "position": " 2 "})
    assert event == QueueCallerLeave("general", "u1", "", 2, 0)


def test_missing_fields_give_defaults() -> None:
    assert parse_event({"Event": "AgentConnect"}) == AgentConnect("", "", "", "", "", 0, 0, "")
    assert parse_event({"Event": "QueueMemberStatus"}) == QueueMemberStatus("", "", "", 0, False, "", False, 0)


@pytest.mark.parametrize("bad", ["", "abc", "1e400", "nan", "-", "9" * 5000])
def test_bad_numbers_never_raise(bad: str) -> None:
    event = parse_event({"Event": "QueueCallerAbandon", "Position": bad, "HoldTime": bad})
    assert event == QueueCallerAbandon("", "", 0, 0, 0)
    params = parse_event({"Event": "QueueParams", "ServicelevelPerf": bad, "Max": bad})
    assert isinstance(params, QueueParams)
    assert (params.max, params.service_level_perf) == (0, 0.0)


def test_number_parsing_helpers() -> None:
    assert to_int("12") == 12
    assert to_int(" -3 ") == -3
    assert to_int("12.7") == 12
    assert to_int("x") == 0
    assert to_int(None) == 0
    assert to_int("inf") == 0
    assert to_float("87.5") == 87.5
    assert to_float("nan") == 0.0
    assert to_float(None) == 0.0
    assert to_bool("1") and to_bool("true") and to_bool("Yes") and to_bool(" on ")
    assert not to_bool("0") and not to_bool("false") and not to_bool("") and not to_bool(None)


def test_unknown_status_maps_to_unknown_device_state() -> None:
    event = parse_event({**member_fields("QueueMemberStatus"), "Status": "42"})
    assert isinstance(event, QueueMemberStatus)
    assert event.status == 42
    assert event.device_state is DeviceState.UNKNOWN


def test_unknown_event_keeps_fields_minus_private_ones() -> None:
    event = parse_event({"Event": "Newchannel", "Channel": "PJSIP/trunk-1", "Exten": "3939", **PRIVATE, **DEST_PRIVATE})
    assert event == UnknownEvent("Newchannel", {"Event": "Newchannel", "Channel": "PJSIP/trunk-1", "Exten": "3939"})


def test_frame_without_event_name() -> None:
    assert parse_event({"Foo": "bar", "calleridnum": "0612345678"}) == UnknownEvent("", {"Foo": "bar"})


@pytest.mark.parametrize(
    "name",
    [
        "QueueCallerJoin",
        "QueueCallerLeave",
        "QueueCallerAbandon",
        "AgentCalled",
        "AgentConnect",
        "AgentComplete",
        "AgentRingNoAnswer",
        "QueueMemberStatus",
        "QueueEntry",
        "Hangup",
        "SomethingElse",
    ],
)
def test_no_typed_event_carries_caller_identity(name: str) -> None:
    event = parse_event({"Event": name, "Queue": "q", "Uniqueid": "u", **PRIVATE, **DEST_PRIVATE})
    text = repr(event)
    for value in PRIVATE.values():
        assert value not in text


def test_private_key_detection() -> None:
    for key in [*PRIVATE, *DEST_PRIVATE, "calleridnum", "CALLERIDNAME"]:
        assert is_private_key(key)
    for key in ["Channel", "CallerID", "Uniqueid", "Exten"]:
        assert not is_private_key(key)
    assert scrub({"A": "1", **PRIVATE}) == {"A": "1"}


def test_parse_response() -> None:
    ok = parse_response({"Response": "Success", "ActionID": "a1", "Message": "Authentication accepted"})
    assert ok.success
    assert ok.message == "Authentication accepted"
    assert ok.fields["ActionID"] == "a1"
    assert parse_response({"Response": "Follows"}).success
    assert parse_response({"Response": "Goodbye"}).success
    failed = parse_response({"Response": "Error", "Message": "Authentication failed", **PRIVATE})
    assert not failed.success
    assert failed.message == "Authentication failed"
    assert "CallerIDNum" not in failed.fields
    assert not parse_response({}).success
