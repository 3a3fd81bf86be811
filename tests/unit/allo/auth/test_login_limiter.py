from __future__ import annotations

from allo.auth.ratelimit import LoginLimiter


def test_five_failures_lock_the_user_from_that_address_for_the_window() -> None:
    limiter = LoginLimiter(attempts=5, window=300)
    for i in range(5):
        assert limiter.retry_after("ops", "10.0.0.1", 100 + i) == 0
        limiter.failed("ops", "10.0.0.1", 100 + i)
    assert limiter.retry_after("ops", "10.0.0.1", 105) == 295  # the first failure leaves the window at 400
    assert limiter.retry_after("OPS", "10.0.0.1", 105) == 295  # usernames are compared case-insensitively
    assert limiter.retry_after("ops", "10.0.0.2", 105) == 0  # another address is not locked out
    assert limiter.retry_after("ops", "10.0.0.1", 400) == 0


def test_one_address_trying_many_users_is_limited_too() -> None:
    limiter = LoginLimiter(attempts=2, window=60, per_address_factor=3)
    for i in range(6):
        limiter.failed(f"user{i}", "10.0.0.9", 10)
    assert limiter.retry_after("someone-else", "10.0.0.9", 11) == 59


def test_success_clears_the_user_failures() -> None:
    limiter = LoginLimiter(attempts=2, window=60)
    limiter.failed("ops", "a", 1)
    limiter.succeeded("ops", "a")
    limiter.failed("ops", "a", 2)
    assert limiter.retry_after("ops", "a", 3) == 0
