"""watchdog.json: starts, kills, stalls survived and the largest gap between two beats."""

from __future__ import annotations

from pathlib import Path

from allo.watchdog.status import STATUS_FILE, WatchdogStatus, read_status


def test_the_status_counts_and_is_read_back(tmp_path: Path):
    assert read_status(tmp_path) is None
    status = WatchdogStatus(threshold_s=10.0, grace_s=60.0)
    status.started(111)
    assert status.first_beat(1.5)
    assert not status.gap(1.0, stall=False) or status.max_heartbeat_gap_s == 1.0
    assert not status.gap(1.005, stall=False)  # not a longer gap worth a write
    assert status.gap(3.2, stall=True)
    status.killed(111, 10.3)
    status.started(222)
    status.save(tmp_path / STATUS_FILE)
    data = read_status(tmp_path)
    assert data is not None
    assert data["starts"] == 2 and data["child_pid"] == 222
    assert data["watchdog_kills"] == 1 and data["kills"][0]["pid"] == 111 and data["kills"][0]["silent_s"] == 10.3
    assert data["stalls"] == 1 and data["last_stall"]["gap_s"] == 3.2
    assert data["max_heartbeat_gap_s"] == 3.2
    assert data["max_first_beat_after_s"] == 1.5
    assert not list(tmp_path.glob(".*.tmp"))
