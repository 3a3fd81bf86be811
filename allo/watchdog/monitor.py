"""The supervisor's side of the watchdog: a heartbeat pipe per child, its beats read with select(), the policy's
verdict carried out by SIGKILL to the child's whole process group (the child leads its own session)."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from allo.watchdog.policy import Verdict, WatchdogPolicy
from allo.watchdog.status import WatchdogStatus

HEARTBEAT_FD_ENV = "ALLO_HEARTBEAT_FD"  # Settings.heartbeat_fd in the child


class HeartbeatPipe:
    """A pipe whose write end the child inherits (`pass_fds`) and whose read end the supervisor polls."""

    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe()
        os.set_blocking(self.read_fd, False)
        self.eof = False

    def child_env(self) -> dict[str, str]:
        return {HEARTBEAT_FD_ENV: str(self.write_fd)}

    def close_write_end(self) -> None:
        """Once the child holds its copy: then EOF means the child (and anything it passed the end to) is gone."""
        if self.write_fd >= 0:
            os.close(self.write_fd)
            self.write_fd = -1

    def read_beats(self, timeout_s: float) -> int:
        """Wait up to `timeout_s` for beats; how many arrived (0: none, or the pipe is at EOF)."""
        if self.eof:
            return 0
        ready, _, _ = select.select([self.read_fd], [], [], timeout_s)
        if not ready:
            return 0
        try:
            data = os.read(self.read_fd, 65536)
        except BlockingIOError:
            return 0
        if not data:
            self.eof = True
        return len(data)

    def close(self) -> None:
        self.close_write_end()
        with contextlib.suppress(OSError):
            os.close(self.read_fd)


class ChildWatch:
    """Waits for one child like Popen.wait(), but kills its process group when the policy says it stalled."""

    def __init__(self, child: subprocess.Popen[bytes], pipe: HeartbeatPipe, policy: WatchdogPolicy, *,
                 status: WatchdogStatus, status_path: Path, say: Callable[[str], None],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.child, self.pipe, self.policy = child, pipe, policy
        self.status, self.status_path, self._say, self._clock = status, status_path, say, clock
        self.started = clock()
        self.last_beat: float | None = None
        self.killed = False

    @property
    def poll_s(self) -> float:
        return min(0.5, self.policy.threshold_s / 10) if self.policy.enabled else 0.5

    def wait(self) -> int:
        """The child's exit code, after killing it if it stalled."""
        while True:
            code = self.child.poll()
            if code is not None:
                return code
            if self.pipe.eof:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    return self.child.wait(self.poll_s)
            elif self.pipe.read_beats(self.poll_s):
                self._beat(self._clock())
            now = self._clock()
            if self.policy.judge(self.started, self.last_beat, now) is Verdict.STALLED:
                return self._kill(self.policy.silent_for(self.started, self.last_beat, now))

    def _beat(self, now: float) -> None:
        changed = False
        if self.last_beat is None:
            changed = self.status.first_beat(now - self.started)
        else:
            gap = now - self.last_beat
            changed = self.status.gap(gap, self.policy.is_stall(gap))
        self.last_beat = now
        if changed:
            self.status.save(self.status_path)

    def _kill(self, silent_s: float) -> int:
        pid = self.child.pid
        since = " (no beat since it started)" if self.last_beat is None else ""
        self._say(f"allo serve stalled for {silent_s:.1f} s: killed (watchdog){since}; "
                  f"SIGKILL to pid {pid} and its process group")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)  # the child leads its session: its group is everything it started
        self.killed = True
        self.status.killed(pid, silent_s)
        self.status.save(self.status_path)
        return self.child.wait()
