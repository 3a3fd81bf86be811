"""How long a caller about to join a queue will probably wait, from recent real waits and who works now (pure).

The recent figures come from the queue's answered visits of the last hour (`queue_legs`, read in the
background): their mean wait divided by their mean position at join gives what one place in the queue
costs in seconds; the caller's estimate is that times their position. With too few answered calls to
trust, the estimate falls back on the staffing: each working adviser serves one caller per typical
handling time. Nobody working (all paused or logged out): no estimate, since any figure would be a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_SAMPLES = 3  # answered calls in the window before their waits are trusted
DEFAULT_HANDLE_S = 180  # level-1 advisers answer simple questions in under 3 minutes (seeds digest)


@dataclass(frozen=True, slots=True)
class RecentWaits:
    """Answered visits of one queue in the recent window."""

    answered: int = 0
    mean_wait_s: float = 0.0
    mean_position: float = 1.0  # their mean position when they joined


@dataclass(frozen=True, slots=True)
class Staffing:
    working: int  # logged in and not paused: available or on a call
    available: int


def estimate_wait(position: int, recent: RecentWaits, staff: Staffing) -> int | None:
    """Seconds the caller at `position` (1 = next) should wait, or None when nobody could answer."""
    if position < 1 or staff.working <= 0:
        return None
    if recent.answered >= MIN_SAMPLES:
        per_place = recent.mean_wait_s / max(1.0, recent.mean_position)
        return max(0, round(per_place * position))
    return round(position * DEFAULT_HANDLE_S / staff.working)
