"""What the heartbeat says of its Asterisk (up, since when) and Asterisk's start-up time read from CoreStatus."""

from __future__ import annotations

from datetime import UTC, datetime

from allo.cluster.heartbeat import AsteriskWatch
from allo.cluster.restart import boot_time


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_never_up_then_up_then_down():
    clock, connected = Clock(), [False]
    watch = AsteriskWatch(lambda: connected[0], clock)
    assert watch.observe() == (False, None)  # never up: the sweeper counts from the allo's start
    watch.on_resync(None)
    clock.t = 103.0
    connected[0] = True
    assert watch.observe() == (True, 3.0)
    assert watch.down_for() is None
    connected[0] = False
    clock.t = 110.0
    assert watch.observe() == (False, 0.0)
    clock.t = 112.5
    assert watch.down_for() == 2.5
    assert watch.observe() == (False, 2.5)


def test_a_reconnection_between_two_beats_restarts_the_up_since():
    clock, connected = Clock(), [True]
    watch = AsteriskWatch(lambda: connected[0], clock)
    watch.on_resync(None)
    clock.t = 200.0
    watch.on_resync(None)  # lost and back within one beat
    clock.t = 201.0
    assert watch.observe() == (True, 1.0)


def test_boot_time_is_local_time_to_the_second():
    fields = {"Response": "Success", "CoreStartupDate": "2026-12-07", "CoreStartupTime": "10:11:12"}
    expected = datetime(2026, 12, 7, 10, 11, 12).astimezone(UTC)
    assert boot_time(fields) == expected
    assert boot_time({"Response": "Success"}) is None
    assert boot_time({"CoreStartupDate": "07/12/2026", "CoreStartupTime": "10:11"}) is None
