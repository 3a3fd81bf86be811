"""Red / amber / green against a target (pure).

Amber is "within 10 % of the target, on the wrong side": for a figure where higher is better (service level,
callbacks kept) amber is [target x 0.9, target); for one where lower is better (average speed of answer, abandon
rate, longest wait) amber is (target, target x 1.1]. On the target itself is green. No figure yet (nothing
answered, nothing offered) is NONE: shown grey, never red.
"""

from __future__ import annotations

import enum

AMBER_PCT = 10  # integer arithmetic below: 72 % is amber for an 80 % target, exactly


class Rag(enum.StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NONE = "none"


def rag_at_least(value: float | None, target: float) -> Rag:
    """Higher is better: green from the target up."""
    if value is None:
        return Rag.NONE
    if value >= target:
        return Rag.GREEN
    return Rag.AMBER if value * 100 >= target * (100 - AMBER_PCT) else Rag.RED


def rag_at_most(value: float | None, target: float) -> Rag:
    """Lower is better: green up to the target."""
    if value is None:
        return Rag.NONE
    if value <= target:
        return Rag.GREEN
    return Rag.AMBER if value * 100 <= target * (100 + AMBER_PCT) else Rag.RED
