"""Wrap-up after a call, as a queue pause allo lifts (pure).

Asterisk's `wrapuptime` cannot end early, so queues run with `wrapuptime = 0` and allo pauses the adviser when
their call is answered, with a pause reason that carries the wrap-up's deadline and the call:
`apres-appel/<deadline epoch>/<call id>` (the deadline is 0 while the call is still going on). Asterisk keeps
the reason, so after a restart of allo the reconciler reads every deadline back from the queue members alone,
without the database: a wrap-up pause never outlives its deadline.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

PREFIX = "apres-appel"
_REASON = re.compile(rf"{PREFIX}/([0-9]{{1,12}})/([0-9A-Za-z._-]{{1,64}})")


@dataclass(frozen=True, slots=True)
class WrapupPause:
    deadline: int  # epoch seconds; 0 = the call is still going on
    call_id: str


class WrapupAction(enum.StrEnum):
    KEEP = "keep"  # not a wrap-up pause, or its deadline is still ahead
    LIFT = "lift"  # deadline passed: make the adviser available again


def wrapup_reason(deadline: int, call_id: str) -> str:
    reason = f"{PREFIX}/{max(0, int(deadline))}/{call_id}"
    if _REASON.fullmatch(reason) is None:
        raise ValueError(f"not a call id usable in a pause reason: {call_id!r}")
    return reason


def parse_wrapup_reason(reason: str | None) -> WrapupPause | None:
    """The wrap-up of a pause reason, or None when the pause is an ordinary one (the adviser's own)."""
    match = _REASON.fullmatch(reason or "")
    return WrapupPause(int(match.group(1)), match.group(2)) if match else None


def is_wrapup(reason: str | None) -> bool:
    return parse_wrapup_reason(reason) is not None


def reconcile(reason: str | None, in_call: bool, now: float) -> WrapupAction:
    """What the reconciler does with one paused member: lift a wrap-up pause whose deadline has passed, and one
    still marked "in call" (deadline 0) when the adviser is no longer in a call (the end was missed)."""
    pause = parse_wrapup_reason(reason)
    if pause is None:
        return WrapupAction.KEEP
    if pause.deadline == 0:
        return WrapupAction.KEEP if in_call else WrapupAction.LIFT
    return WrapupAction.LIFT if now >= pause.deadline else WrapupAction.KEEP
