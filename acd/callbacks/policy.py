"""When a callback is due, when it is tried again, and where it joins the queue (pure functions).

Two clocks: scheduling uses real time; whether the service is open is asked on the routing clock (which tests
and demos may freeze). A delay measured on the routing clock (until the next opening) is applied to real time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Schedule:
    next_attempt_at: datetime  # first moment the scheduler may dial (the service is open then)
    due_by: datetime  # the promise: the citizen is called before this


def first_schedule(now: datetime, routing_now: datetime, next_open: datetime | None, *, is_open: bool,
                   promise: timedelta) -> Schedule | None:
    """Open now: due at once, promised within `promise`. Closed: from the next opening. None: no opening known."""
    if is_open:
        return Schedule(now, now + promise)
    if next_open is None:
        return None
    start = now + max(timedelta(0), next_open - routing_now)
    return Schedule(start, start + promise)


def retry_at(now: datetime, attempts_made: int, max_attempts: int, retry: timedelta) -> datetime | None:
    """When to try again after a failed attempt; None once every attempt is spent."""
    if attempts_made >= max_attempts:
        return None
    return now + retry


def deferred_until(now: datetime, routing_now: datetime, next_open: datetime | None,
                   fallback: timedelta) -> datetime:
    """A due callback whose service is closed waits for the next opening (or `fallback` if none is known)."""
    if next_open is None:
        return now + fallback
    return now + max(timedelta(0), next_open - routing_now)


def is_late(at: datetime, due_by: datetime) -> bool:
    return at > due_by


def queue_position(waiting_arrivals: Iterable[float], original_arrival: float) -> int:
    """Queue()'s `position` for a callback: just behind the last waiting caller who arrived before it.

    `waiting_arrivals` are in queue order (epoch seconds; a callback's own leg counts at its original arrival).
    Callers with a higher QUEUE_PRIO (transfers) sit at the head whatever their arrival: app_queue never
    inserts a lower-priority entry ahead of them, so a small position is safe; counting only earlier arrivals
    could place the callback ahead of someone who arrived earlier but waits behind them.
    """
    last_earlier = 0
    for index, arrival in enumerate(waiting_arrivals, start=1):
        if arrival <= original_arrival:
            last_earlier = index
    return last_earlier + 1
