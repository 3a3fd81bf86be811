"""What reports are computed from: plain rows read from PostgreSQL (or written by hand in tests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from allo.db.callback_models import CallbackStatus
from allo.db.models import LegOutcome


@dataclass(frozen=True)
class QueueInfo:
    name: str
    label: str = ""
    level: int = 1
    service_level: int = 20  # seconds: answered within this counts for the service level
    short_abandon: int = 5  # seconds: abandons quicker than this are not counted
    sl_target_pct: int = 80


# The line of calls through relay platforms, over every queue shown (docs/reports.md); not a real queue.
RELAY_LINE = QueueInfo("relais", "Relais (sourds et malentendants)", level=0)


@dataclass(frozen=True)
class LegRow:
    """One visit of a call to a queue (`queue_legs`)."""

    id: int
    call_id: str
    queue: str
    joined_at: datetime
    left_at: datetime | None  # for an answered leg: when the adviser answered
    outcome: LegOutcome
    wait_seconds: int | None
    end_reason: str | None = None  # "transfer" when the adviser transferred the caller


@dataclass(frozen=True)
class CallRow:
    """The end of a call (`calls`)."""

    call_id: str
    ended_at: datetime | None
    transferred_at: datetime | None = None
    relay: bool = False  # came through a relay platform (docs/accessibility.md)


@dataclass(frozen=True)
class CallbackRow:
    """A callback request (`callbacks`), with when the citizen's phone first rang and when they were reached."""

    queue: str
    created_at: datetime
    status: CallbackStatus
    due_by: datetime
    reached_at: datetime | None = None
    rang_at: datetime | None = None


@dataclass(frozen=True)
class ReportRows:
    legs: list[LegRow]
    calls: dict[str, CallRow]
    callbacks: list[CallbackRow]
