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


# QUEUE_PRIO of a callback close to its deadline. New arrivals have 0, transferred callers 10 (their level-1
# conversation already happened and they are on the line now, listening, for a specialist). A callback at risk
# goes ahead of every ordinary caller, whatever their arrival, but stays behind transfers: those are few, short
# and already half served, while letting callbacks pass them would make a transferred caller hear the wait
# music again for someone who is not even on the line.
RISEN_PRIORITY = 5


def rise_from(due_by: datetime, lead: timedelta) -> datetime:
    """The moment a callback becomes at risk: from then on it rises ahead of new arrivals."""
    return due_by - lead


def must_rise(now: datetime, due_by: datetime, lead: timedelta) -> bool:
    return now >= rise_from(due_by, lead)


@dataclass(frozen=True)
class Waiting:
    """A callback attempt whose waiting leg is in the queue (AstDB `queued`)."""

    attempt_id: int
    due_by: datetime
    risen: bool


def to_rise(waiting: Iterable[Waiting], now: datetime, lead: timedelta) -> list[int]:
    """Attempts whose leg must rise now: within `lead` of their deadline and not risen yet."""
    return [w.attempt_id for w in waiting if not w.risen and must_rise(now, w.due_by, lead)]


def at_risk(now: datetime, due_by: datetime, lead: timedelta, *, rang: bool) -> bool:
    """An open callback within `lead` of its deadline (or past it) whose citizen's phone has not rung yet."""
    return not rang and must_rise(now, due_by, lead)
