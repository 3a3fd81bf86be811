from datetime import UTC, datetime

from acd.ami.events import parse_event
from allo.calls import event_update
from allo.db.models import CallOutcome

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_queue_events_map_to_call_row_columns():
    join = parse_event({"Event": "QueueCallerJoin", "Queue": "l1", "Uniqueid": "1.1", "Position": "1"})
    assert event_update(join, NOW) == ("1.1", {"queue_joined_at": NOW, "outcome": CallOutcome.QUEUED,
                                               "route_queue": "l1"})
    connect = parse_event({"Event": "AgentConnect", "Queue": "l1", "Uniqueid": "1.1", "MemberName": "agent1001",
                           "Interface": "PJSIP/agent1001"})
    call_id, values = event_update(connect, NOW)
    assert call_id == "1.1" and values["agent"] == "agent1001" and values["outcome"] is CallOutcome.ANSWERED
    abandon = parse_event({"Event": "QueueCallerAbandon", "Queue": "l1", "Uniqueid": "1.2"})
    assert event_update(abandon, NOW)[1]["outcome"] is CallOutcome.ABANDONED


def test_other_events_do_not_touch_call_rows():
    assert event_update(parse_event({"Event": "FullyBooted"}), NOW) is None
