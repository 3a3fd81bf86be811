"""`allo supervise`: run `allo serve` and start it again whenever it exits, until told to stop.

`allo run` uses it after the set-up; in production systemd does the same job (deploy/systemd/allo.service) and
this command is not needed. While the service is down the dialplan sends callers to level 1 (extensions.conf),
so the restart is what bounds the time callers spend without the menu: the first restart is immediate (a crash
or a SIGKILL is usually a one-off), and only a service that keeps dying soon after its start is restarted more
and more slowly (a crash loop must not eat the machine Asterisk runs on).

A hung service is a dead one (allo/watchdog/): the child beats from inside its event loop through a pipe; when it
stays silent longer than `watchdog_seconds` (after `watchdog_grace_seconds` for the first beat) its whole process
group is killed with SIGKILL and it is started again at once (the stall itself already took the threshold, so a
service that keeps hanging cannot restart faster than that). `<state_dir>/watchdog.json` says what was seen.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from allo.settings import Settings
from allo.setup.procs import say
from allo.watchdog.monitor import ChildWatch, HeartbeatPipe
from allo.watchdog.policy import WatchdogPolicy
from allo.watchdog.status import STATUS_FILE, WatchdogStatus


@dataclass
class Backoff:
    """Delay before the next start: `first` after a run that lasted `healthy_s` or more, doubled after each
    shorter run, up to `most`."""

    first: float = 0.0
    second: float = 0.5
    most: float = 10.0
    healthy_s: float = 30.0
    _next: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        self._next = self.first

    def after_run(self, lasted_s: float) -> float:
        if lasted_s >= self.healthy_s:
            self._next = self.first
        delay = self._next
        self._next = min(self.most, max(self.second, delay * 2))
        return delay


def serve_command(settings: Settings) -> list[str]:
    return [sys.executable, "-m", "allo.cli.main", "--state-dir", str(settings.state_dir), "serve"]


class Supervisor:
    """Runs `command` again and again; `stop()` (or SIGTERM/SIGINT once installed) ends the child and the loop."""

    def __init__(self, command: Sequence[str], backoff: Backoff | None = None,
                 sleep: Callable[[float], None] = time.sleep, watchdog: WatchdogPolicy | None = None,
                 status_path: Path | None = None) -> None:
        """`watchdog` (with `status_path`, the watchdog.json to keep) kills a child that stops beating."""
        self.command = list(command)
        self.backoff = backoff or Backoff()
        self.starts = 0
        self.watchdog = watchdog if watchdog is not None and watchdog.enabled else None
        self.status_path = status_path
        self.status = WatchdogStatus(watchdog.threshold_s, watchdog.grace_s) if watchdog is not None else None
        self._sleep = sleep
        self._stopping = False
        self._child: subprocess.Popen[bytes] | None = None

    def install_signals(self) -> None:
        def on_signal(_signum: int, _frame: FrameType | None) -> None:
            self.stop()

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)

    def stop(self) -> None:
        self._stopping = True
        if self._child is not None and self._child.poll() is None:
            self._child.send_signal(signal.SIGTERM)  # the service drains its FastAGI sessions, then exits

    def run(self) -> int:
        try:
            while not self._stopping:
                started = time.monotonic()
                self.starts += 1
                code, killed = self._run_child()
                if self._stopping:
                    break
                # A watchdog kill restarts at once: the stall already lasted the threshold.
                delay = 0.0 if killed else self.backoff.after_run(time.monotonic() - started)
                say(f"allo serve exited with {code}; starting it again in {delay:g} s")
                self._sleep(delay)
        finally:
            if self._child is not None and self._child.poll() is None:
                self._child.send_signal(signal.SIGTERM)
                try:
                    self._child.wait(60)
                except subprocess.TimeoutExpired:
                    self._child.kill()
                    self._child.wait()
        return 0

    def _run_child(self) -> tuple[int, bool]:
        """Start the child and wait for its end: (exit code, killed by the watchdog)."""
        pipe = HeartbeatPipe() if self.watchdog is not None else None
        try:
            # Its own session: a Ctrl-C in the terminal reaches us, and we decide how the child stops; the
            # watchdog kills its whole process group.
            self._child = subprocess.Popen(self.command, start_new_session=True,
                                           pass_fds=(pipe.write_fd,) if pipe else (),
                                           env={**os.environ, **pipe.child_env()} if pipe else None)
            if self._stopping:  # stop() came while the child was starting: it had no child to signal
                self._child.send_signal(signal.SIGTERM)
            if pipe is None or self.watchdog is None or self.status is None or self.status_path is None:
                return self._child.wait(), False
            pipe.close_write_end()
            self.status.started(self._child.pid)
            self.status.save(self.status_path)
            watch = ChildWatch(self._child, pipe, self.watchdog, status=self.status, status_path=self.status_path,
                               say=say)
            return watch.wait(), watch.killed
        finally:
            if pipe is not None:
                pipe.close()


def supervisor_for(settings: Settings) -> Supervisor:
    """The supervisor of `allo serve` with the watchdog of `settings`."""
    policy = WatchdogPolicy(settings.watchdog_seconds, settings.watchdog_grace_seconds)
    return Supervisor(serve_command(settings), watchdog=policy, status_path=settings.state_dir / STATUS_FILE)


def supervise(settings: Settings) -> int:
    supervisor = supervisor_for(settings)
    supervisor.install_signals()
    return supervisor.run()
