"""What the per-adviser report is computed from (plain rows read from PostgreSQL, or written by hand in tests), and
the calls each adviser took, from the answered queue legs and the answered callback attempts (pure)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from allo.queues.legs import PREFERRED
from allo.reports.visits import TRANSFER


class Origin(enum.StrEnum):
    QUEUE = "queue"  # answered in a queue
    REPEAT = "repeat"  # a repeat caller rung directly on their former adviser's phone
    CALLBACK = "callback"  # a callback the adviser made, the citizen reached


@dataclass(frozen=True)
class AnsweredLeg:
    """An answered `queue_legs` row: `left_at` is when the adviser answered."""

    id: int
    call_id: str
    agent: str
    answered_at: datetime
    end_reason: str | None = None


@dataclass(frozen=True)
class CallEnd:
    """The `calls` columns that end an adviser's handling, and every queue join of that call."""

    call_id: str
    ended_at: datetime | None
    transferred_at: datetime | None = None
    transferred_to: str | None = None  # the sector
    level1_agent: str | None = None  # who transferred it
    joins: tuple[datetime, ...] = ()


@dataclass(frozen=True)
class CallbackTalk:
    """An answered callback attempt: the adviser `agent` talked with the citizen from `reached_at`."""

    agent: str
    reached_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class Taken:
    """One call an adviser took: when they answered, when their handling ended (None: still going or unknown),
    and the sector they transferred it to."""

    agent: str
    origin: Origin
    answered_at: datetime
    ended_at: datetime | None
    transferred_to: str | None = None


@dataclass(frozen=True)
class StateRow:
    """One `agent_state_events` row."""

    agent: str
    state: str
    at: datetime
    reason: str | None = None
    id: int = 0


@dataclass(frozen=True)
class SurveyRow:
    agent: str
    at: datetime  # the survey's start
    satisfaction: int | None
    answered: bool | None


@dataclass(frozen=True)
class WrapupRecord:
    """One `call_wrapups` row that is over: saved by the adviser, or expired (« sans motif »)."""

    agent: str
    ended_at: datetime  # the end of the call for the adviser (the row's creation when unknown)
    expired: bool


@dataclass
class AdviserRows:
    taken: list[Taken] = field(default_factory=list)
    states: list[StateRow] = field(default_factory=list)  # any order; the last of each kind before the range too
    surveys: list[SurveyRow] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # agent → display name
    pause_labels: dict[str, str] = field(default_factory=dict)  # pause reason code → label
    wrapup_records: list[WrapupRecord] = field(default_factory=list)


def _leg_taken(leg: AnsweredLeg, call: CallEnd | None) -> Taken:
    origin = Origin.REPEAT if leg.end_reason == PREFERRED else Origin.QUEUE
    if call is None:
        return Taken(leg.agent, origin, leg.answered_at, None)
    later = min((t for t in call.joins if t > leg.answered_at), default=None)
    # Transferred by this adviser: Asterisk said so on the leg, or the desk's transfer (a repeat caller's direct
    # ring has no AgentComplete) names them, between their answer and the call's next queue.
    moved = call.transferred_at
    transferred = leg.end_reason == TRANSFER or (
        moved is not None and call.level1_agent == leg.agent and moved >= leg.answered_at
        and (later is None or moved <= later))
    own = moved if transferred else call.ended_at
    ends = [t for t in (own, later) if t is not None and t >= leg.answered_at]
    sector = (call.transferred_to or "?") if transferred else None
    return Taken(leg.agent, origin, leg.answered_at, min(ends, default=None), sector)


def taken_calls(legs: Iterable[AnsweredLeg], calls: Mapping[str, CallEnd],
                callbacks: Iterable[CallbackTalk]) -> list[Taken]:
    out = [_leg_taken(leg, calls.get(leg.call_id)) for leg in legs]
    out += [Taken(cb.agent, Origin.CALLBACK, cb.reached_at, cb.ended_at) for cb in callbacks]
    return out

