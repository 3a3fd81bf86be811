from datetime import UTC, datetime

from acd.ami.events import parse_event
from allo.db.models import CallOutcome
from allo.records.recorder import event_update

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


def test_a_batch_goes_in_rounds_that_keep_each_calls_order_and_group_same_statements():
    from allo.records.recorder import _upsert_statement, _Write, rounds

    queued, answered = _upsert_statement(("outcome",)), _upsert_statement(("agent",))
    assert _upsert_statement(("outcome",)) is queued  # built once per shape

    def w(call: str, statement, params=True) -> _Write:
        return _Write(call, statement, {"call_id": call} if params else None, f"{call}")

    batch = [w("a", queued), w("b", queued), w("a", answered), w("c", queued), w("b", answered),
             w("a", queued), w("x", "raw", params=False), w("y", "raw", params=False)]
    result = [[[x.what for x in group] for group in groups] for groups in rounds(batch)]
    assert result == [[["a", "b", "c"], ["x"], ["y"]], [["a", "b"]], [["a"]]]
