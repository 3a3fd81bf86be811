"""The supervisor `allo run` uses: restarts, back-off, stop."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from allo.cli.supervise import Backoff, Supervisor

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


def test_the_systemd_unit_restarts_always_and_systemd_accepts_it(tmp_path: Path):
    text = UNIT.read_text()
    service = dict(line.split("=", 1) for line in text.split("[Service]")[1].split("[Install]")[0].splitlines()
                   if "=" in line and not line.startswith("#"))
    assert service["Restart"] == "always"
    assert service["ExecStart"].endswith(" serve")
    assert int(service["LimitNOFILE"]) >= 4096
    # systemd's own parser: an unknown key or a bad value is a warning on stderr.
    unit = tmp_path / "allo.service"
    unit.write_text(text.replace("/opt/allo/.venv/bin/allo", shutil.which("true") or "/bin/true"))
    verify = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60,
                            check=False)
    assert verify.returncode == 0, verify.stderr
    assert verify.stderr.strip() == "", verify.stderr
