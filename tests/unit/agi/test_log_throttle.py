"""The warning throttle: a burst per kind and window, then a count of what was left out."""

from __future__ import annotations

import logging

import pytest

from agi.log_throttle import WarningThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_is_logged_then_the_rest_is_counted_and_reported_after_the_window() -> None:
    clock = Clock()
    throttle = WarningThrottle(logging.getLogger("t"), burst=3, window=60.0, clock=clock)
    assert [throttle.allow("lost") for _ in range(5)] == [(True, 0)] * 3 + [(False, 0)] * 2
    clock.now += 59.9
    assert throttle.allow("lost") == (False, 0)
    clock.now += 0.1
    assert throttle.allow("lost") == (True, 3)  # the window ended: the three left out are told
    assert throttle.allow("lost") == (True, 0)


def test_kinds_are_counted_apart() -> None:
    throttle = WarningThrottle(logging.getLogger("t"), burst=1, window=60.0, clock=Clock())
    assert throttle.allow("timeout") == (True, 0)
    assert throttle.allow("timeout") == (False, 0)
    assert throttle.allow("no-route") == (True, 0)


def test_the_logged_line_says_how_many_were_left_out(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    throttle = WarningThrottle(logging.getLogger("t"), burst=1, window=10.0, clock=clock)
    with caplog.at_level(logging.WARNING, logger="t"):
        for peer in range(4):
            throttle("lost", "connection from %s lost", peer)
        clock.now += 10
        throttle("lost", "connection from %s lost", 9)
    assert [r.getMessage() for r in caplog.records] == [
        "connection from 0 lost", "connection from 9 lost (3 more like this in the last 10 s were not logged)"]
