"""decide(rules, call, now) -> Decision: pure, no I/O, tested without a network."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from routing.route import Decision, Route


@dataclass(frozen=True)
class RulesSnapshot:
    """The rules in force. The walking skeleton only knows the level-1 queue."""

    level1_queue: str = "l1"
    version: int = 0


@dataclass(frozen=True)
class CallInfo:
    dialled: str
    caller_hash: str | None = None
    keys: str = ""


def decide(rules: RulesSnapshot, call: CallInfo, now: datetime) -> Decision:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return Decision(Route.to_queue(rules.level1_queue),
                    (f"rules v{rules.version}: every call to {call.dialled} goes to {rules.level1_queue}",))
