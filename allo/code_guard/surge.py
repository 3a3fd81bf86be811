"""The surge alert: wrong access codes of every caller within the last minute, held in memory by this process.

In memory and not in the ledger: the alert must still rise when the database is away. With several nodes the
ledger's count of the last minute (every node's rows, read every few seconds) is added: `cluster_recent`.
A surge starting writes one audit entry (not one per code); the Prometheus gauge and the dashboard read `active`.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from ivr.code_limit import surge_active

WINDOW_S = 60.0


def cluster_recent(local: int, local_since_read: int, shared: int | None) -> int:
    """Wrong codes of the last minute across the nodes: the ledger's count when last read (every node's rows,
    this one's included) plus this node's codes since (not in that count), never fewer than this node's own.
    `shared` None: no fresh count (a single node, or the database away): this node's own."""
    if shared is None:
        return local
    return max(local, shared + local_since_read)


class SurgeWatch:
    def __init__(self, per_minute: int, on_start: Callable[[int], None],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._threshold = per_minute
        self._on_start = on_start  # called with the count when a surge starts
        self._clock = clock
        self._times: deque[float] = deque()
        self._active = False
        self.started = 0  # surges since start-up
        self._shared: tuple[int, float] | None = None  # (the ledger's count of the last minute, when read)
        self.shared_fresh_s = 10.0  # a count older than this is not used (the database away)

    def shared(self, count: int) -> None:
        """The ledger's count of the last minute, every node's wrong codes (several nodes only)."""
        self._shared = (count, self._clock())

    @property
    def threshold(self) -> int:
        return self._threshold

    def recent(self) -> int:
        """Wrong codes within the last minute."""
        horizon = self._clock() - WINDOW_S
        while self._times and self._times[0] < horizon:
            self._times.popleft()
        if self._shared is None or self._clock() - self._shared[1] > self.shared_fresh_s:
            return len(self._times)
        count, read_at = self._shared
        return cluster_recent(len(self._times), sum(1 for t in self._times if t > read_at), count)

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
            self._on_start(self.recent())
