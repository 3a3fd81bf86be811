"""The local SMTP server of `make run` (`allo mail-sink`, allo/confirmations/sink.py) as a process of the stack:
started by `allo run` when the confirmations go to this machine, stopped with the rest (`make stop` too)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from allo.confirmations.sink import sink_dir
from allo.settings import Settings
from allo.setup.procs import pid_alive, say

PID_FILE = "mail-sink.pid"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def _pidfile(settings: Settings) -> Path:
    return settings.state_dir / PID_FILE


def start_mail_sink(settings: Settings) -> subprocess.Popen[bytes] | None:
    """None when the confirmations go to another SMTP server (ALLO_SMTP_HOST is not this machine)."""
    if settings.smtp_host not in LOCAL_HOSTS:
        say(f"confirmation mails go to {settings.smtp_host}:{settings.smtp_port} (no local mail sink)")
        return None
    stop_mail_sink(settings)  # one left by a run that was killed
    log = (settings.state_dir / "mail-sink.log").open("ab")
    with log:
        proc = subprocess.Popen([sys.executable, "-m", "allo.cli.main", "--state-dir", str(settings.state_dir),
                                 "mail-sink", "--port", str(settings.smtp_port), "--dir", str(sink_dir(settings))],
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    _pidfile(settings).write_text(str(proc.pid))
    say(f"confirmation mails: a local SMTP server on {settings.smtp_host}:{settings.smtp_port} keeps each one as a "
        f".eml file in {sink_dir(settings)}")
    return proc


def stop_mail_sink(settings: Settings, timeout: float = 10.0) -> None:
    path = _pidfile(settings)
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return
    if pid_alive(pid) and _is_sink(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
    path.unlink(missing_ok=True)


def _is_sink(pid: int) -> bool:
    """A pid file outlives its process: never signal a process that is not our sink."""
    with contextlib.suppress(OSError):
        return b"mail-sink" in Path(f"/proc/{pid}/cmdline").read_bytes()
    return False
