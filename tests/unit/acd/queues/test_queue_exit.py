import pytest

from acd.queues.exit_policy import (
    MIN_REMAINING_S,
    ExitReason,
    ExitStep,
    MaxWaitAction,
    QueuePolicy,
    StepKind,
    after_exit,
    requeue_timeout,
)

OVERFLOW = QueuePolicy("l2-consommation", 600, MaxWaitAction.OVERFLOW, "l1")
CALLBACK = QueuePolicy("l1", 900, MaxWaitAction.CALLBACK)
STAY = QueuePolicy("l2-justice", 600, MaxWaitAction.STAY)


def test_timeout_overflows_once_then_stays():
    assert after_exit(ExitReason.TIMEOUT, OVERFLOW, overflowed=False) == ExitStep(StepKind.OVERFLOW, "l1")
    assert after_exit(ExitReason.TIMEOUT, OVERFLOW, overflowed=True).kind is StepKind.REQUEUE
    assert OVERFLOW.route_timeout(overflowed=False) == 600
    assert OVERFLOW.route_timeout(overflowed=True) == 0  # never a second overflow


def test_timeout_offers_a_callback_or_stays():
    assert after_exit(ExitReason.TIMEOUT, CALLBACK, overflowed=False) == ExitStep(StepKind.OFFER_CALLBACK, "l1")
    assert after_exit(ExitReason.TIMEOUT, STAY, overflowed=False).kind is StepKind.REQUEUE
    assert STAY.route_timeout(overflowed=False) == 0


@pytest.mark.parametrize("policy", [OVERFLOW, CALLBACK, STAY])
def test_the_exit_key_always_offers_a_callback(policy):
    assert after_exit(ExitReason.KEY, policy, overflowed=False) == ExitStep(StepKind.OFFER_CALLBACK, policy.name)


def test_back_from_the_exit_key_the_max_wait_keeps_counting_from_the_first_arrival():
    assert requeue_timeout(ExitReason.KEY, CALLBACK, overflowed=False, waited_s=300) == 600
    assert requeue_timeout(ExitReason.KEY, CALLBACK, overflowed=False, waited_s=899) == MIN_REMAINING_S
    assert requeue_timeout(ExitReason.KEY, STAY, overflowed=False, waited_s=10) == 0


def test_a_caller_who_declined_at_the_max_wait_waits_without_a_new_limit():
    assert requeue_timeout(ExitReason.TIMEOUT, CALLBACK, overflowed=False, waited_s=900) == 0


def test_an_overflow_policy_without_a_target_never_times_out():
    assert QueuePolicy("q", 60, MaxWaitAction.OVERFLOW, None).route_timeout(overflowed=False) == 0
    assert QueuePolicy("q", 0, MaxWaitAction.CALLBACK).route_timeout(overflowed=False) == 0
