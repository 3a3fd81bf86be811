"""What the dialplan must do with a call once Python has decided."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class RouteKind(enum.StrEnum):
    QUEUE = "queue"  # the dialplan runs Queue(ALLO_QUEUE)
    MENU = "menu"  # carry on in the menu (only inside the engine)
    CLOSED = "closed"  # say the hours, then hang up
    HANGUP = "hangup"  # the dialplan hangs up


@dataclass(frozen=True)
class Route:
    kind: RouteKind
    queue: str | None = None
    timeout_s: int = 0  # 0: no limit in the queue

    @classmethod
    def to_queue(cls, queue: str, timeout_s: int = 0) -> Route:
        return cls(RouteKind.QUEUE, queue, timeout_s)

    @classmethod
    def hangup(cls) -> Route:
        return cls(RouteKind.HANGUP)

    def channel_variables(self) -> dict[str, str]:
        """The variables extensions.conf acts on after AGI()."""
        if self.kind is RouteKind.QUEUE and self.queue:
            return {"ALLO_ACTION": "queue", "ALLO_QUEUE": self.queue, "ALLO_QUEUE_TIMEOUT": str(self.timeout_s)}
        return {"ALLO_ACTION": "hangup"}


@dataclass(frozen=True)
class ClosedInfo:
    """Why a service is closed, for the message the caller hears."""

    service: str
    calendar: str
    reason: str
    holiday_name: str | None = None
    message_prompt: str | None = None
    message_text: str | None = None
    next_open: datetime | None = None


@dataclass(frozen=True)
class Decision:
    route: Route
    trace: tuple[str, ...] = field(default_factory=tuple)
    closed: ClosedInfo | None = None  # set when the caller must hear that a service is closed
