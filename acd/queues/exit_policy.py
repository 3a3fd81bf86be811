"""What happens when a caller leaves a queue without an adviser: maximum wait reached or exit key (pure)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

MIN_REMAINING_S = 10  # a caller back from the exit key keeps at least this much before the max-wait action


class MaxWaitAction(enum.StrEnum):
    CALLBACK = "callback"  # offer a callback (keeping the caller's place if they decline)
    OVERFLOW = "overflow"  # move to the overflow queue, once
    STAY = "stay"  # no limit: keep waiting


class ExitReason(enum.StrEnum):
    TIMEOUT = "timeout"  # the queue's max_wait was reached
    KEY = "key"  # the caller pressed the exit key (9) to ask for a callback


@dataclass(frozen=True, slots=True)
class QueuePolicy:
    name: str
    max_wait: int = 0  # seconds; 0 = no limit
    on_max_wait: MaxWaitAction = MaxWaitAction.STAY
    overflow_queue: str | None = None
    ring_timeout: int = 15
    sector: str | None = None
    announce_every: int = 0  # seconds between Asterisk's own position announcements while waiting; 0 = none
    offer_at_waiting: int = 0  # callers already waiting from which a caller is offered at entry; 0 = off
    offer_at_wait_s: int = 0  # estimated wait (s) above which a caller is offered at entry; 0 = off

    def route_timeout(self, *, overflowed: bool) -> int:
        """Queue() timeout for a caller entering this queue (0: none). An overflow happens only once."""
        if self.max_wait <= 0 or self.on_max_wait is MaxWaitAction.STAY:
            return 0
        if self.on_max_wait is MaxWaitAction.OVERFLOW and (overflowed or not self.overflow_queue):
            return 0
        return self.max_wait


class StepKind(enum.StrEnum):
    OVERFLOW = "overflow"
    OFFER_CALLBACK = "offer_callback"
    REQUEUE = "requeue"


@dataclass(frozen=True, slots=True)
class ExitStep:
    kind: StepKind
    queue: str


def after_exit(reason: ExitReason, policy: QueuePolicy, *, overflowed: bool) -> ExitStep:
    """The next step for a caller who left `policy`'s queue."""
    if reason is ExitReason.KEY:
        return ExitStep(StepKind.OFFER_CALLBACK, policy.name)
    if policy.on_max_wait is MaxWaitAction.OVERFLOW and policy.overflow_queue and not overflowed:
        return ExitStep(StepKind.OVERFLOW, policy.overflow_queue)
    if policy.on_max_wait is MaxWaitAction.CALLBACK:
        return ExitStep(StepKind.OFFER_CALLBACK, policy.name)
    return ExitStep(StepKind.REQUEUE, policy.name)


def requeue_timeout(reason: ExitReason, policy: QueuePolicy, *, overflowed: bool, waited_s: int) -> int:
    """Queue() timeout for a caller going back after declining a callback (0: none).

    After the max wait the caller chose to wait: no new limit. After the exit key the max wait keeps
    counting from the first arrival in this queue, so the exit key never buys a longer wait.
    """
    if reason is ExitReason.TIMEOUT:
        return 0
    limit = policy.route_timeout(overflowed=overflowed)
    if limit == 0:
        return 0
    return max(MIN_REMAINING_S, limit - max(0, waited_s))
