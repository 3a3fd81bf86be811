"""The per-address limit of anonymous callback requests: N per window, then the wait until the oldest expires."""

from __future__ import annotations

from allo.auth.ratelimit import WindowLimiter


def test_limit_per_key_then_wait_until_the_oldest_leaves_the_window() -> None:
    limiter = WindowLimiter(limit=3, window=3600.0)
    assert [limiter.take("192.0.2.1", t) for t in (0.0, 10.0, 20.0)] == [0.0, 0.0, 0.0]
    assert limiter.take("192.0.2.1", 30.0) == 3570.0  # the first request leaves the window at 3600
    assert limiter.take("192.0.2.2", 30.0) == 0.0  # another address is not affected
    assert limiter.take("192.0.2.1", 3600.0) == 0.0
    assert limiter.take("192.0.2.1", 3601.0) > 0  # refused requests were not counted, the one at 3600 is


def test_refused_requests_do_not_extend_the_wait() -> None:
    limiter = WindowLimiter(limit=1, window=60.0)
    assert limiter.take("a", 0.0) == 0.0
    for t in range(1, 60):
        assert limiter.take("a", float(t)) == 60.0 - t
    assert limiter.take("a", 60.0) == 0.0


def test_old_keys_are_forgotten_when_many_addresses_were_seen() -> None:
    limiter = WindowLimiter(limit=1, window=10.0)
    for n in range(10_001):
        limiter.take(f"addr-{n}", 0.0)
    limiter.take("late", 100.0)  # everything else has left its window
    assert set(limiter._events) == {"late"}
