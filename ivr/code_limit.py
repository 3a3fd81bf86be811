"""Access codes bounded across calls (pure): may this caller be asked a code, and is there a surge of wrong codes.

A caller with a number is held by the wrong codes of its pseudonym within a window; callers without a number and
relay platforms (one number for many deaf and hard-of-hearing callers) share one pooled limit. The counts come from
the ledger read when the caller picks the access-code option; a count that could not be read in time is None.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class CodeGate(enum.StrEnum):
    ASK = "ask"
    CALLER_LIMIT = "caller_limit"  # this pseudonym typed too many wrong codes within the window
    POOL_LIMIT = "pool_limit"  # callers without a number and relay calls together typed too many


@dataclass(frozen=True)
class CodeLimits:
    max_wrong: int = 10  # per pseudonym within `window_hours`
    window_hours: float = 24.0
    pool_max_wrong: int = 30  # callers without a number and relay calls, together, within `pool_window_minutes`
    pool_window_minutes: float = 10.0
    surge_per_minute: int = 30  # wrong codes of every caller within one minute that raise the alert


@dataclass(frozen=True)
class WrongCodeCounts:
    """Wrong codes already recorded; None: not known (ledger slow or away)."""

    caller: int | None = 0  # of this caller's pseudonym within the caller window
    pool: int | None = 0  # pooled (no number, relay) within the pool window


@dataclass(frozen=True)
class GateVerdict:
    gate: CodeGate
    reason: str  # for the call's trace


def code_gate(counts: WrongCodeCounts, limits: CodeLimits, *, pooled: bool) -> GateVerdict:
    """ASK unless the limit that holds this caller is reached.

    An unknown count asks (the safe default): the three tries of one call still bound a caller, and a database that
    is away must neither drop a caller nor take the specialist service from one who has a good code.
    """
    if pooled:
        count, limit, gate = counts.pool, limits.pool_max_wrong, CodeGate.POOL_LIMIT
        scope = f"callers without a number and relay calls: {{}} wrong codes within {limits.pool_window_minutes:g} min"
    else:
        count, limit, gate = counts.caller, limits.max_wrong, CodeGate.CALLER_LIMIT
        scope = f"this caller: {{}} wrong codes within {limits.window_hours:g} h"
    if count is None:
        return GateVerdict(CodeGate.ASK, f"wrong-code count unknown (ledger away): code asked, limit {limit}")
    if count >= limit:
        return GateVerdict(gate, f"code not asked, {scope.format(count)} (limit {limit})")
    return GateVerdict(CodeGate.ASK, f"code asked, {scope.format(count)} (limit {limit})")


def crossed(before: int, after: int, limit: int) -> bool:
    """This write took the count to the limit: the moment worth one audit entry."""
    return before < limit <= after


def surge_active(recent: int, threshold: int, was_active: bool) -> bool:
    """A surge starts at `threshold` wrong codes within a minute and ends below half of it (no flapping alerts)."""
    if threshold <= 0:
        return False
    if was_active:
        return recent * 2 >= threshold
    return recent >= threshold
