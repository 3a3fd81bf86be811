"""Warnings a peer can provoke, at a bounded rate: a thousand hostile connections must not flood the log.

Each kind of warning may be logged `burst` times per `window` seconds; the rest are counted, and the next one
logged after the window says how many were left out. The counts per outcome stay complete in the metrics
(:class:`agi.observer.AgiObserver`); only the log lines are thinned.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class _Window:
    started: float
    logged: int = 0
    suppressed: int = 0


@dataclass
class WarningThrottle:
    logger: logging.Logger
    burst: int = 10
    window: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _windows: dict[str, _Window] = field(default_factory=dict)

    def allow(self, kind: str) -> tuple[bool, int]:
        """Whether a warning of `kind` may be logged now, and how many of its kind were left out before it."""
        now = self.clock()
        current = self._windows.get(kind)
        if current is None or now - current.started >= self.window:
            left_out = current.suppressed if current is not None else 0
            self._windows[kind] = _Window(now, logged=1)
            return True, left_out
        if current.logged < self.burst:
            current.logged += 1
            return True, 0
        current.suppressed += 1
        return False, 0

    def __call__(self, kind: str, message: str, *args: object) -> None:
        allowed, left_out = self.allow(kind)
        if not allowed:
            return
        if left_out:
            message += " (%d more like this in the last %.0f s were not logged)"
            args = (*args, left_out, self.window)
        self.logger.warning(message, *args)
