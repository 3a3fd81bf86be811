"""The bench runs the service supervised with the watchdog: any watchdog kill fails the run, loudly."""

from __future__ import annotations

import pytest

from bench.__main__ import watchdog_verdict
from bench.report import watchdog_line

SEEN = {"threshold_s": 10.0, "grace_s": 60.0, "supervisors": 2, "starts": 2, "watchdog_kills": 0, "kills": [],
        "stalls": 0, "max_heartbeat_gap_s": 1.21, "max_first_beat_after_s": 1.4}


def test_no_kill_passes_and_the_report_says_the_largest_gap(capsys: pytest.CaptureFixture[str]):
    assert watchdog_verdict(SEEN)
    assert "0 kill(s), largest heartbeat gap 1.21 s" in capsys.readouterr().out
    assert "0 kill(s) of allo serve, largest heartbeat gap under load 1.21 s" in watchdog_line(SEEN)


def test_a_kill_or_no_status_fails_the_bench(capsys: pytest.CaptureFixture[str]):
    killed = {**SEEN, "watchdog_kills": 1, "kills": [{"at_utc": "2026-12-06T10:00:00Z", "pid": 42, "silent_s": 10.2}]}
    assert not watchdog_verdict(killed)
    assert "FAILED: the watchdog killed a service under load 1 time(s)" in capsys.readouterr().out
    assert not watchdog_verdict(None)
    assert watchdog_line(None) == "Watchdog: not recorded in this run"
