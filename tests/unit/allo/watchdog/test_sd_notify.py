"""sd_notify: the address (path or abstract), systemd's watchdog variables, datagrams to a socket we listen on."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from allo.watchdog.sd_notify import SdNotifier, socket_address, watchdog_seconds


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[tuple[str, socket.socket]]:
    path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(2.0)
    yield path, sock
    sock.close()


def test_an_abstract_socket_is_written_with_a_leading_nul():
    assert socket_address("@allo/notify") == "\0allo/notify"
    assert socket_address("/run/systemd/notify") == "/run/systemd/notify"


@pytest.mark.parametrize(("usec", "pid", "expected"), [
    ("10000000", None, 10.0),
    ("10000000", "4242", 10.0),  # WATCHDOG_PID is us
    ("10000000", "1", None),  # meant for another process
    (None, None, None),
    ("", None, None),
    ("0", None, None),
    ("ten", None, None),
])
def test_systemd_watchdog_applies_only_when_set_for_this_process(usec: str | None, pid: str | None,
                                                                 expected: float | None):
    assert watchdog_seconds(usec, pid, my_pid=4242) == expected


def test_states_arrive_as_datagrams(listener: tuple[str, socket.socket]):
    path, sock = listener
    notifier = SdNotifier(path, watchdog_s=10.0)
    try:
        assert notifier.ready() and notifier.watchdog() and notifier.stopping()
        assert [sock.recv(64) for _ in range(3)] == [b"READY=1", b"WATCHDOG=1", b"STOPPING=1"]
    finally:
        notifier.close()


def test_no_watchdog_ping_unless_systemd_watches(listener: tuple[str, socket.socket]):
    path, sock = listener
    notifier = SdNotifier(path, watchdog_s=None)
    try:
        assert not notifier.watchdog()
        assert notifier.ready()
        assert sock.recv(64) == b"READY=1"
    finally:
        notifier.close()


def test_an_abstract_socket_works():
    name = f"@allo-test-{os.getpid()}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name[1:])
    sock.settimeout(2.0)
    notifier = SdNotifier(name)
    try:
        assert notifier.ready()
        assert sock.recv(64) == b"READY=1"
    finally:
        notifier.close()
        sock.close()


def test_without_notify_socket_or_with_systemd_gone_nothing_fails(tmp_path: Path):
    assert not SdNotifier(None, watchdog_s=10.0).ready()
    assert SdNotifier(None, watchdog_s=10.0).watchdog_s is None
    gone = SdNotifier(str(tmp_path / "nobody.sock"), watchdog_s=10.0)
    assert not gone.ready()  # logged, not raised
    assert not gone.watchdog()
    gone.close()
