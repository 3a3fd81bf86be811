from datetime import UTC, datetime

from sqlalchemy.dialects import postgresql

from acd.ami.events import parse_event
from allo.db.models import LegOutcome
from allo.queues.legs import OPEN, PREFERRED, LegInsert, LegUpdate, leg_change, statement

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def event(name: str, **fields: str):
    return parse_event({"Event": name, "Queue": "l1", "Uniqueid": "1.1", **fields})


def test_join_opens_a_leg_at_its_position():
    assert leg_change(event("QueueCallerJoin", Position="3", Count="3"), NOW) == LegInsert("1.1", "l1", NOW, 3)


def test_answer_and_abandon_close_it_with_asterisks_hold_time():
    answered = leg_change(event("AgentConnect", MemberName="agent1001", HoldTime="42"), NOW)
    assert answered == LegUpdate("1.1", "l1", {"outcome": LegOutcome.ANSWERED, "agent": "agent1001",
                                               "wait_seconds": 42}, OPEN, NOW)
    abandoned = leg_change(event("QueueCallerAbandon", HoldTime="7", Position="1", OriginalPosition="2"), NOW)
    assert abandoned == LegUpdate("1.1", "l1", {"outcome": LegOutcome.ABANDONED, "wait_seconds": 7}, OPEN, NOW)


def test_leave_only_marks_a_waiting_leg_and_transfer_only_notes_the_reason():
    left = leg_change(event("QueueCallerLeave", Position="1", Count="0"), NOW)
    assert left == LegUpdate("1.1", "l1", {"outcome": LegOutcome.LEFT}, {LegOutcome.WAITING}, NOW)
    moved = leg_change(event("AgentComplete", Reason="transfer"), NOW)
    assert moved == LegUpdate("1.1", "l1", {"end_reason": "transfer"}, {LegOutcome.ANSWERED})
    assert leg_change(event("AgentComplete", Reason="caller"), NOW) is None


def test_the_dialplans_preferred_answer_is_an_answered_visit():
    change = leg_change(parse_event({"Event": "UserEvent", "UserEvent": "AlloPreferredAnswer", "Call": "1.1",
                                     "Queue": "l1", "Agent": "agent1002"}), NOW)
    assert isinstance(change, LegInsert) and change.values["agent"] == "agent1002"
    assert change.values["end_reason"] == PREFERRED and change.values["outcome"] is LegOutcome.ANSWERED


def test_update_targets_the_latest_visit_and_stamps_the_wait_once():
    sql = str(statement(LegUpdate("1.1", "l1", {"outcome": LegOutcome.LEFT}, {LegOutcome.WAITING}, NOW))[0]
              .compile(dialect=postgresql.dialect()))
    assert "max(queue_legs.id)" in sql and "coalesce(queue_legs.left_at" in sql
    assert "coalesce(queue_legs.wait_seconds" in sql
