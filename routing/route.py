"""What the dialplan must do with a call once Python has decided."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class RouteKind(enum.StrEnum):
    QUEUE = "queue"
    HANGUP = "hangup"


@dataclass(frozen=True)
class Route:
    kind: RouteKind
    queue: str | None = None
    timeout_s: int = 0  # 0: no limit in the queue

    @classmethod
    def to_queue(cls, queue: str, timeout_s: int = 0) -> Route:
        return cls(RouteKind.QUEUE, queue, timeout_s)

    def channel_variables(self) -> dict[str, str]:
        """The variables extensions.conf acts on after AGI()."""
        variables = {"ALLO_ACTION": self.kind.value}
        if self.kind is RouteKind.QUEUE and self.queue:
            variables["ALLO_QUEUE"] = self.queue
            variables["ALLO_QUEUE_TIMEOUT"] = str(self.timeout_s)
        return variables


@dataclass(frozen=True)
class Decision:
    route: Route
    trace: tuple[str, ...] = field(default_factory=tuple)
