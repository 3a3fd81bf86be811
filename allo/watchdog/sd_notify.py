"""systemd's notification protocol (sd_notify(3)): `READY=1`, `WATCHDOG=1`, `STOPPING=1` as datagrams to the
AF_UNIX socket named by NOTIFY_SOCKET (a path, or an abstract name written with a leading '@').

Written here rather than taken from PyPI: the protocol is one sendto(), `sdnotify` is unmaintained since 2017 and
`systemd-python` needs libsystemd's headers to build. A notification that cannot be sent is logged and dropped:
systemd missing is never a reason for the service to fail.
"""

from __future__ import annotations

import logging
import socket

log = logging.getLogger(__name__)


def socket_address(notify_socket: str) -> str:
    """The address for sendto(): an abstract socket's '@' becomes the leading NUL byte."""
    return "\0" + notify_socket[1:] if notify_socket.startswith("@") else notify_socket


def watchdog_seconds(watchdog_usec: str | None, watchdog_pid: str | None, my_pid: int) -> float | None:
    """systemd's watchdog period for this process (WATCHDOG_USEC), or None: unset, invalid, or meant for another
    process (WATCHDOG_PID names one)."""
    if not watchdog_usec:
        return None
    if watchdog_pid and watchdog_pid.strip() != str(my_pid):
        return None
    try:
        usec = int(watchdog_usec)
    except ValueError:
        return None
    return usec / 1_000_000 if usec > 0 else None


class SdNotifier:
    """Sends sd_notify states; does nothing when there is no NOTIFY_SOCKET."""

    def __init__(self, notify_socket: str | None, watchdog_s: float | None = None) -> None:
        self.address = socket_address(notify_socket) if notify_socket else None
        self.watchdog_s = watchdog_s if self.address is not None else None
        self._sock: socket.socket | None = None
        if self.address is not None:
            self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            self._sock.setblocking(False)

    @property
    def enabled(self) -> bool:
        return self._sock is not None

    def notify(self, state: str) -> bool:
        """Send one state (e.g. "READY=1"); True when it was sent."""
        if self._sock is None or self.address is None:
            return False
        try:
            self._sock.sendto(state.encode(), self.address)
        except OSError as error:  # systemd gone, socket full: the next beat tries again
            log.warning("sd_notify %s failed: %s", state.partition("=")[0], error)
            return False
        return True

    def ready(self) -> bool:
        return self.notify("READY=1")

    def stopping(self) -> bool:
        return self.notify("STOPPING=1")

    def watchdog(self) -> bool:
        """WATCHDOG=1, only when systemd watches this process (WATCHDOG_USEC)."""
        return self.watchdog_s is not None and self.notify("WATCHDOG=1")

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
