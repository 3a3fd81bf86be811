"""Which waiting callers are due their repeated announcement (position + fresh estimate + exit key) now (pure).

allo says the announcement at join (before `Queue()`), then again every `announce_frequency` seconds of the
caller's queue while they wait, into their channel without taking them out of the queue (allo/queues/repeat.py).
Nobody listens on a callback's waiting leg (a Local channel), and a caller whose adviser is being rung is about
to be answered: neither is announced. A period shorter than the announcement (~7 s) never stacks two of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Waiter:
    queue: str
    uniqueid: str
    position: int
    joined: float  # monotonic seconds
    listening: bool  # a person is on the channel (not a callback's waiting leg)
    ringing: bool  # an adviser's phone is ringing for this caller
    speaking: bool = False  # their previous announcement is still being said


@dataclass(frozen=True, slots=True)
class Due:
    queue: str
    uniqueid: str
    position: int


def due_now(waiters: Iterable[Waiter], every: Mapping[str, int], last_said: Mapping[str, float],
            now: float) -> list[Due]:
    """The callers to announce at `now`: their queue repeats (`every` > 0) and `every` seconds have passed since
    their last announcement (or their join, where allo already spoke). Head of the queue first."""
    due = []
    for waiter in waiters:
        period = every.get(waiter.queue, 0)
        if period <= 0 or not waiter.listening or waiter.ringing or waiter.speaking or waiter.position < 1:
            continue
        if now - last_said.get(waiter.uniqueid, waiter.joined) >= period:
            due.append(Due(waiter.queue, waiter.uniqueid, waiter.position))
    return sorted(due, key=lambda d: (d.queue, d.position))
