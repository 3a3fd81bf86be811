"""When a callback is due, when it is retried, where it joins the queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from acd.callbacks.policy import (
    RISEN_PRIORITY,
    Waiting,
    at_risk,
    deferred_until,
    first_schedule,
    is_late,
    queue_position,
    retry_at,
    to_rise,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PROMISE = timedelta(minutes=45)


def test_open_now_means_due_at_once_and_promised_within_the_promise():
    schedule = first_schedule(NOW, NOW, None, is_open=True, promise=PROMISE)
    assert schedule is not None and schedule.next_attempt_at == NOW and schedule.due_by == NOW + PROMISE


def test_closed_means_from_the_next_opening_measured_on_the_routing_clock():
    routing_now = datetime(2026, 11, 21, 19, 0, tzinfo=UTC)  # a frozen test clock, far from real time
    next_open = routing_now + timedelta(hours=37)
    schedule = first_schedule(NOW, routing_now, next_open, is_open=False, promise=PROMISE)
    assert schedule is not None
    assert schedule.next_attempt_at == NOW + timedelta(hours=37)
    assert schedule.due_by == NOW + timedelta(hours=37) + PROMISE


def test_closed_with_no_known_opening_cannot_be_promised():
    assert first_schedule(NOW, NOW, None, is_open=False, promise=PROMISE) is None


def test_retries_are_spaced_and_stop_after_the_last_attempt():
    retry = timedelta(minutes=5)
    assert retry_at(NOW, 1, 3, retry) == NOW + retry
    assert retry_at(NOW, 2, 3, retry) == NOW + retry
    assert retry_at(NOW, 3, 3, retry) is None


def test_a_due_callback_whose_service_closed_waits_for_the_opening():
    assert deferred_until(NOW, NOW, NOW + timedelta(hours=2), timedelta(hours=1)) == NOW + timedelta(hours=2)
    assert deferred_until(NOW, NOW, None, timedelta(hours=1)) == NOW + timedelta(hours=1)
    assert deferred_until(NOW, NOW, NOW - timedelta(hours=2), timedelta(hours=1)) == NOW


def test_late_only_after_the_promise():
    assert not is_late(NOW, NOW) and is_late(NOW + timedelta(seconds=1), NOW)


def test_position_is_just_behind_the_last_caller_who_arrived_earlier():
    assert queue_position([], 100.0) == 1
    assert queue_position([50.0, 90.0, 120.0], 100.0) == 3
    assert queue_position([110.0, 120.0], 100.0) == 1
    assert queue_position([50.0, 60.0], 100.0) == 3
    assert queue_position([100.0], 100.0) == 2  # a tie keeps the one already waiting first


def test_a_transferred_caller_ahead_in_the_queue_does_not_pull_the_callback_in_front_of_earlier_callers():
    # Queue order: transferred caller (priority, joined at 108), caller A (arrived 100), caller B (110).
    # The callback arrived at 107: behind A, ahead of B -> position 3; app_queue keeps the priority caller first.
    assert queue_position([108.0, 100.0, 110.0], 107.0) == 3
    # No earlier caller: position 1, and app_queue still places it behind the priority caller.
    assert queue_position([108.0, 110.0], 107.0) == 1


LEAD = timedelta(minutes=15)


def test_a_waiting_callback_rises_once_within_the_lead_time_of_its_deadline():
    due = NOW + PROMISE
    waiting = [Waiting(1, due, risen=False), Waiting(2, NOW + LEAD, risen=False), Waiting(3, NOW, risen=True),
               Waiting(4, NOW - timedelta(minutes=1), risen=False)]
    assert to_rise(waiting, NOW, LEAD) == [2, 4]
    assert to_rise(waiting, due - LEAD, LEAD) == [1, 2, 4]
    assert to_rise(waiting, due - LEAD - timedelta(seconds=1), LEAD) == [2, 4]


def test_risen_callbacks_pass_new_arrivals_but_not_transfers():
    assert 0 < RISEN_PRIORITY < 10


def test_at_risk_means_near_the_deadline_and_the_phone_not_rung_yet():
    due = NOW + timedelta(minutes=10)
    assert at_risk(NOW, due, LEAD, rang=False)
    assert not at_risk(NOW, due, LEAD, rang=True)
    assert not at_risk(NOW, NOW + timedelta(minutes=20), LEAD, rang=False)
    assert at_risk(NOW, NOW - timedelta(minutes=1), LEAD, rang=False)
