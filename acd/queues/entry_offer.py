"""An offer before joining a queue that is already long (pure): a callback, or the overflow queue.

The max wait (exit_policy) acts on a timer, after the caller has waited; this acts at entry, on what the caller
would face: `offer_at_waiting` callers already waiting, or an estimated wait above `offer_at_wait_s` seconds
(0 = that threshold is off). What is offered follows the queue's `on_max_wait`, so a queue keeps one answer to
"too long": a callback offer, the overflow queue (once), or nothing (`stay`).
"""

from __future__ import annotations

import enum

from acd.queues.exit_policy import MaxWaitAction, QueuePolicy


class EntryOffer(enum.StrEnum):
    NONE = "none"
    CALLBACK = "callback"  # offer a callback; declining joins the queue as usual
    OVERFLOW = "overflow"  # go to the overflow queue instead of joining this one


class Trigger(enum.StrEnum):
    WAITING = "waiting"  # offer_at_waiting callers already wait
    ESTIMATE = "estimate"  # the estimated wait is over offer_at_wait_s


def over_threshold(policy: QueuePolicy, waiting: int, estimate_s: int | None) -> Trigger | None:
    """Which threshold the queue is over, or None."""
    if policy.offer_at_waiting > 0 and waiting >= policy.offer_at_waiting:
        return Trigger.WAITING
    if policy.offer_at_wait_s > 0 and estimate_s is not None and estimate_s > policy.offer_at_wait_s:
        return Trigger.ESTIMATE
    return None


def entry_offer(policy: QueuePolicy, waiting: int, estimate_s: int | None, *, overflowed: bool = False) -> EntryOffer:
    """What to offer a caller about to join `policy`'s queue behind `waiting` callers, `estimate_s` expected."""
    if over_threshold(policy, waiting, estimate_s) is None:
        return EntryOffer.NONE
    if policy.on_max_wait is MaxWaitAction.CALLBACK:
        return EntryOffer.CALLBACK
    if policy.on_max_wait is MaxWaitAction.OVERFLOW and policy.overflow_queue and not overflowed:
        return EntryOffer.OVERFLOW
    return EntryOffer.NONE
