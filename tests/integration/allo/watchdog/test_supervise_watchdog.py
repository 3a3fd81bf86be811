"""`allo supervise` with a real `allo serve` child: the child is stopped (SIGSTOP, a hung event loop from outside);
the watchdog kills it within the threshold and a new `allo serve` answers."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from pathlib import Path

import pytest

from allo.watchdog.status import read_status
from tests.integration.allo.watchdog.serve_kit import (
    alive,
    answers_healthz,
    lone_settings,
    serve_pid,
    start,
    stop,
    wait_for,
)

pytestmark = pytest.mark.integration

THRESHOLD_S = 3.0


def test_a_stopped_serve_is_killed_by_the_watchdog_and_a_new_one_serves(tmp_path: Path):
    settings = lone_settings(tmp_path / "state")
    supervisor = start(settings, "supervise", {"ALLO_WATCHDOG_SECONDS": str(THRESHOLD_S),
                                               "ALLO_WATCHDOG_GRACE_SECONDS": "30"})
    victim: int | None = None
    try:
        assert wait_for(lambda: serve_pid(settings) is not None and answers_healthz(settings), 30) is not None
        victim = serve_pid(settings)
        assert victim is not None and victim != supervisor.pid
        # The child has beaten (so its silence is judged by the threshold, not the start-up grace).
        assert wait_for(lambda: (read_status(settings.state_dir) or {}).get("max_first_beat_after_s", 0) > 0,
                        10) is not None
        os.kill(victim, signal.SIGSTOP)
        stopped_at = time.monotonic()

        gone_after = wait_for(lambda: not alive(victim), THRESHOLD_S + 4)
        assert gone_after is not None, "the stopped child must be killed, not left stopped"
        assert gone_after >= THRESHOLD_S - 0.5, "killed before the threshold"
        served_after = wait_for(lambda: serve_pid(settings) not in (None, victim) and answers_healthz(settings),
                                20)
        assert served_after is not None
        back_s = time.monotonic() - stopped_at
        assert back_s < THRESHOLD_S + 15, back_s
        status = read_status(settings.state_dir)
        assert status is not None, "watchdog.json"
        assert status["watchdog_kills"] == 1 and status["kills"][0]["pid"] == victim, json.dumps(status)
        assert status["starts"] == 2
        assert supervisor.poll() is None
        log = (settings.state_dir / "supervise.log").read_text()
        assert "stalled for" in log and "killed (watchdog)" in log, log[-2000:]
    finally:
        if victim is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGCONT)
        child = serve_pid(settings)
        assert stop(supervisor) == 0
        if child is not None and alive(child):
            os.kill(child, signal.SIGKILL)
