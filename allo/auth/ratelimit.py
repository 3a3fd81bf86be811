"""Failed-login limiter (pure, in memory): N failures per (username, address) and per address within a window.

In memory is enough for one `allo serve` process; a restart forgets the counters, which only gives an attacker
one more window after an operator restarted the service.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass
class LoginLimiter:
    attempts: int = 5
    window: float = 300.0
    per_address_factor: int = 4  # an address may fail this many times more, across usernames
    _failures: dict[tuple[str, str], deque[float]] = field(default_factory=dict)

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        stamps = self._failures.setdefault(key, deque())
        while stamps and stamps[0] <= now - self.window:
            stamps.popleft()
        return stamps

    def retry_after(self, username: str, address: str, now: float) -> float:
        """0 when a login may be tried now; otherwise seconds until it may."""
        waits = []
        for key, limit in (((username.lower(), address), self.attempts),
                           (("", address), self.attempts * self.per_address_factor)):
            stamps = self._recent(key, now)
            if len(stamps) >= limit:
                waits.append(stamps[len(stamps) - limit] + self.window - now)
        if len(self._failures) > 10_000:
            self._prune(now)
        return max(waits, default=0.0)

    def failed(self, username: str, address: str, now: float) -> None:
        for key in ((username.lower(), address), ("", address)):
            self._recent(key, now).append(now)

    def succeeded(self, username: str, address: str) -> None:
        self._failures.pop((username.lower(), address), None)

    def _prune(self, now: float) -> None:
        for key in list(self._failures):
            if not self._recent(key, now):
                del self._failures[key]


@dataclass
class WindowLimiter:
    """At most `limit` events per key within `window` seconds (e.g. anonymous callback bookings per address)."""

    limit: int
    window: float = 3600.0
    _events: dict[str, deque[float]] = field(default_factory=dict)

    def take(self, key: str, now: float) -> float:
        """Records an event and returns 0 when under the limit; otherwise records nothing and returns the seconds
        until one more is allowed."""
        stamps = self._events.setdefault(key, deque())
        while stamps and stamps[0] <= now - self.window:
            stamps.popleft()
        if len(stamps) >= self.limit:
            return stamps[0] + self.window - now
        stamps.append(now)
        if len(self._events) > 10_000:
            for other in [k for k, v in self._events.items() if not v or v[-1] <= now - self.window]:
                del self._events[other]
        return 0.0
