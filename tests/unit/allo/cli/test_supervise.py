"""The supervisor `allo run` uses: restarts, back-off, stop."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from allo.cli.supervise import Backoff, Supervisor
from allo.settings import Settings
from allo.watchdog.policy import WatchdogPolicy

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
UNIT = ROOT / "deploy" / "systemd" / "allo.service"


def test_the_first_restart_is_immediate_and_a_crash_loop_backs_off_up_to_the_most():
    backoff = Backoff(first=0.0, second=0.5, most=4.0, healthy_s=30.0)
    assert [backoff.after_run(1.0) for _ in range(6)] == [0.0, 0.5, 1.0, 2.0, 4.0, 4.0]
    assert backoff.after_run(60.0) == 0.0  # a run that lasted resets it
    assert backoff.after_run(60.0) == 0.0
    assert backoff.after_run(2.0) == 0.5  # restarted at once, died young again: back off
    assert backoff.after_run(2.0) == 1.0


def test_a_child_that_exits_is_started_again_with_the_back_off_delays():
    delays: list[float] = []
    supervisor = Supervisor([sys.executable, "-c", "raise SystemExit(3)"], Backoff(most=2.0),
                            sleep=lambda d: (delays.append(d), supervisor.stop() if len(delays) == 4 else None))
    assert supervisor.run() == 0
    assert supervisor.starts == 4
    assert delays == [0.0, 0.5, 1.0, 2.0]


def test_stop_ends_a_running_child_with_sigterm_and_the_loop():
    supervisor = Supervisor([sys.executable, "-c", "import time; time.sleep(60)"])
    thread = threading.Thread(target=supervisor.run)
    thread.start()
    deadline = time.monotonic() + 10
    while supervisor._child is None and time.monotonic() < deadline:  # the child process exists
        time.sleep(0.05)
    assert supervisor._child is not None
    started = time.monotonic()
    supervisor.stop()
    thread.join(10)
    assert not thread.is_alive()
    assert time.monotonic() - started < 5
    assert supervisor.starts == 1


def test_a_stop_that_arrives_while_the_child_starts_still_ends_it(monkeypatch: pytest.MonkeyPatch):
    real_popen = subprocess.Popen
    supervisor = Supervisor([sys.executable, "-c", "import time; time.sleep(60)"])

    def popen_after_stop(*args: object, **kwargs: object) -> subprocess.Popen[bytes]:
        supervisor.stop()  # a SIGTERM handled just before the child exists: there is nothing to signal yet
        return real_popen(*args, **kwargs)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr("allo.cli.supervise.subprocess.Popen", popen_after_stop)
    thread = threading.Thread(target=supervisor.run, daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive(), "the supervisor waits for a child nobody told to stop"
    assert supervisor._child is not None and supervisor._child.returncode == -signal.SIGTERM
    assert supervisor.starts == 1


def test_the_systemd_unit_restarts_always_watches_the_loop_and_systemd_accepts_it(tmp_path: Path):
    text = UNIT.read_text()
    service = dict(line.split("=", 1) for line in text.split("[Service]")[1].split("[Install]")[0].splitlines()
                   if "=" in line and not line.startswith("#"))
    assert service["Restart"] == "always"
    # READY=1 and WATCHDOG=1 from allo/watchdog/; the same threshold as `allo supervise` (Settings.watchdog_seconds)
    assert service["Type"] == "notify" and service["NotifyAccess"] == "main"
    assert float(service["WatchdogSec"]) == Settings().watchdog_seconds
    assert service["WatchdogSignal"] == "SIGKILL"
    assert service["ExecStart"].endswith(" serve")
    assert int(service["LimitNOFILE"]) >= 4096
    # systemd's own parser: an unknown key or a bad value is a warning on stderr.
    unit = tmp_path / "allo.service"
    unit.write_text(text.replace("/opt/allo/.venv/bin/allo", shutil.which("true") or "/bin/true"))
    verify = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60,
                            check=False)
    assert verify.returncode == 0, verify.stderr
    assert verify.stderr.strip() == "", verify.stderr


# A child that beats a few times on the supervisor's pipe, starts a grandchild in its process group, then hangs
# like a stuck event loop (it writes its grandchild's pid to argv[1] first).
HANGING_CHILD = """
import os, subprocess, sys, time
fd = int(os.environ["ALLO_HEARTBEAT_FD"])
grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
open(sys.argv[1], "w").write(str(grandchild.pid))
for _ in range(5):
    os.write(fd, b".")
    time.sleep(0.05)
time.sleep(60)
"""


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"  # a zombie of nobody's: dead
    except FileNotFoundError:
        return True


def test_a_child_that_stops_beating_is_killed_with_its_process_group_and_started_again(tmp_path: Path):
    status_path = tmp_path / "watchdog.json"
    grandchild_file = tmp_path / "grandchild.pid"
    delays: list[float] = []
    supervisor = Supervisor([sys.executable, "-c", HANGING_CHILD, str(grandchild_file)],
                            sleep=lambda d: (delays.append(d), supervisor.stop()),
                            watchdog=WatchdogPolicy(threshold_s=0.5, grace_s=10.0), status_path=status_path)
    started = time.monotonic()
    assert supervisor.run() == 0
    assert time.monotonic() - started < 8
    assert supervisor._child is not None and supervisor._child.returncode == -signal.SIGKILL
    assert delays == [0.0]  # a watchdog kill restarts at once
    grandchild = int(grandchild_file.read_text())
    deadline = time.monotonic() + 5
    while not _gone(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(grandchild), "the kill must reach the whole process group"
    status = json.loads(status_path.read_text())
    assert status["starts"] == 1 and status["watchdog_kills"] == 1
    assert 0.5 < status["kills"][0]["silent_s"] < 3
    assert status["max_heartbeat_gap_s"] < 0.5


def test_a_child_that_never_beats_is_killed_after_the_grace(tmp_path: Path):
    supervisor = Supervisor([sys.executable, "-c", "import time; time.sleep(60)"],
                            sleep=lambda _d: supervisor.stop(),
                            watchdog=WatchdogPolicy(threshold_s=0.2, grace_s=1.0),
                            status_path=tmp_path / "watchdog.json")
    started = time.monotonic()
    supervisor.run()
    assert 1.0 <= time.monotonic() - started < 5
    status = json.loads((tmp_path / "watchdog.json").read_text())
    assert status["watchdog_kills"] == 1 and status["kills"][0]["silent_s"] >= 1.0


def test_a_child_that_beats_is_left_alone(tmp_path: Path):
    beating = ("import os, time\nfd = int(os.environ['ALLO_HEARTBEAT_FD'])\n"
               "for _ in range(30):\n    os.write(fd, b'.'); time.sleep(0.05)\nraise SystemExit(3)")
    supervisor = Supervisor([sys.executable, "-c", beating], sleep=lambda _d: supervisor.stop(),
                            watchdog=WatchdogPolicy(threshold_s=0.5, grace_s=5.0),
                            status_path=tmp_path / "watchdog.json")
    supervisor.run()
    assert supervisor._child is not None and supervisor._child.returncode == 3
    status = json.loads((tmp_path / "watchdog.json").read_text())
    assert status["watchdog_kills"] == 0 and 0.03 < status["max_heartbeat_gap_s"] < 0.5
