"""The surge alert: wrong access codes of every caller within the last minute, held in memory by this process.

In memory and not in the ledger: the alert must still rise when the database is away, and it is per node.
A surge starting writes one audit entry (not one per code); the Prometheus gauge and the dashboard read `active`.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from ivr.code_limit import surge_active

WINDOW_S = 60.0


class SurgeWatch:
    def __init__(self, per_minute: int, on_start: Callable[[int], None],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._threshold = per_minute
        self._on_start = on_start  # called with the count when a surge starts
        self._clock = clock
        self._times: deque[float] = deque()
        self._active = False
        self.started = 0  # surges since start-up

    @property
    def threshold(self) -> int:
        return self._threshold

    def recent(self) -> int:
        """Wrong codes within the last minute."""
        horizon = self._clock() - WINDOW_S
        while self._times and self._times[0] < horizon:
            self._times.popleft()
        return len(self._times)

    @property
    def active(self) -> bool:
        self._active = surge_active(self.recent(), self._threshold, self._active)
        return self._active

    def note(self) -> None:
        """One more wrong code."""
        self._times.append(self._clock())
        was = self._active
        if self.active and not was:
            self.started += 1
            self._on_start(len(self._times))
