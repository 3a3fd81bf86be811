"""`allo serve` speaks sd_notify to a NOTIFY_SOCKET this test listens on (PID 1 here is not systemd): READY=1
once HTTP listens, WATCHDOG=1 at every beat of its event loop, none while the process is stopped, STOPPING=1."""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.allo.watchdog.serve_kit import answers_healthz, lone_settings, start, stop

pytestmark = pytest.mark.integration

WATCHDOG_S = 2.0  # WATCHDOG_USEC: the service beats every 0.4 s (a fifth)


class Listener:
    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))

    def receive(self, seconds: float) -> list[tuple[float, str]]:
        """(monotonic time, state) of every datagram within `seconds`."""
        return self.until(None, seconds)

    def until(self, state: str | None, timeout: float) -> list[tuple[float, str]]:
        """(monotonic time, state) of the datagrams up to and including the first `state`, or all of them after
        `timeout` (`state` None: all of them)."""
        got: list[tuple[float, str]] = []
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            self.sock.settimeout(left)
            try:
                got.append((time.monotonic(), self.sock.recv(256).decode()))
            except TimeoutError:
                break
            if got[-1][1] == state:
                break
        return got

    def drain(self) -> None:
        self.sock.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            while True:
                self.sock.recv(256)


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[Listener]:
    path = tmp_path / "notify.sock"
    listener = Listener(path)
    yield listener
    listener.sock.close()


def test_serve_says_ready_beats_the_systemd_watchdog_and_falls_silent_when_stopped(tmp_path: Path,
                                                                                   listener: Listener):
    settings = lone_settings(tmp_path / "state")
    proc = start(settings, "serve", {"NOTIFY_SOCKET": listener.sock.getsockname(),
                                     "WATCHDOG_USEC": str(int(WATCHDOG_S * 1_000_000))})
    try:
        first = listener.until("READY=1", 30)
        assert first and first[-1][1] == "READY=1", (first, proc.poll())
        assert answers_healthz(settings), "READY=1 means HTTP listens"
        beats = [at for at, state in listener.receive(1.5) if state == "WATCHDOG=1"]
        assert len(beats) >= 3, beats
        assert max(b - a for a, b in itertools.pairwise(beats)) < WATCHDOG_S / 2

        os.kill(proc.pid, signal.SIGSTOP)  # what a stuck event loop looks like from outside
        listener.drain()  # beats sent before the stop
        silent = listener.receive(WATCHDOG_S + 1.0)
        assert [s for _, s in silent if s == "WATCHDOG=1"] == [], "no beat from a stopped loop"
        os.kill(proc.pid, signal.SIGCONT)
        assert "WATCHDOG=1" in [s for _, s in listener.until("WATCHDOG=1", 2.0)], "beats again once continued"

        proc.terminate()
        assert "STOPPING=1" in [s for _, s in listener.until("STOPPING=1", 10)]
        assert proc.wait(30) == 0
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGCONT)
        stop(proc)
