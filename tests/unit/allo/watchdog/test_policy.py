"""The watchdog's decision: starting, ok, stalled, from the start time, the last beat and now."""

from __future__ import annotations

import pytest

from allo.watchdog.policy import Verdict, WatchdogPolicy, beat_interval

POLICY = WatchdogPolicy(threshold_s=10.0, grace_s=60.0)


@pytest.mark.parametrize(("last_beat", "now", "verdict"), [
    (None, 100.0, Verdict.STARTING),  # just started
    (None, 160.0, Verdict.STARTING),  # the whole grace
    (None, 160.1, Verdict.STALLED),  # no first beat within the grace
    (101.0, 111.0, Verdict.OK),  # exactly the threshold since the last beat
    (101.0, 111.1, Verdict.STALLED),
    (150.0, 155.0, Verdict.OK),
    (105.0, 140.0, Verdict.STALLED),  # once it has beaten, the grace is over
])
def test_the_verdict_follows_the_grace_until_the_first_beat_then_the_threshold(
        last_beat: float | None, now: float, verdict: Verdict):
    assert POLICY.judge(started=100.0, last_beat=last_beat, now=now) is verdict


def test_a_threshold_of_0_never_kills():
    off = WatchdogPolicy(threshold_s=0.0, grace_s=1.0)
    assert not off.enabled
    assert off.judge(0.0, None, 1e6) is Verdict.OK
    assert off.judge(0.0, 1.0, 1e6) is Verdict.OK
    assert not off.is_stall(1e6)


def test_silence_counts_from_the_last_beat_or_the_start():
    assert WatchdogPolicy.silent_for(100.0, None, 130.0) == 30.0
    assert WatchdogPolicy.silent_for(100.0, 125.0, 130.0) == 5.0


def test_a_stall_worth_reporting_is_over_a_quarter_of_the_threshold():
    assert not POLICY.is_stall(1.0)
    assert not POLICY.is_stall(2.5)
    assert POLICY.is_stall(2.6)


def test_the_beat_is_a_fifth_of_the_smallest_threshold_and_at_most_a_second():
    assert beat_interval(10.0) == 1.0
    assert beat_interval(3.0) == pytest.approx(0.6)
    assert beat_interval(10.0, 2.0) == pytest.approx(0.4)  # systemd's WatchdogSec=2 wins
    assert beat_interval(0.0, None) == 1.0  # nothing watches: still at most a second
    assert beat_interval() == 1.0
