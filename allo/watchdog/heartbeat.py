"""The heartbeat inside `allo serve`'s event loop: a beat is proof that the loop ran its tasks a moment ago.

Each beat writes one byte to the supervisor's pipe (ALLO_HEARTBEAT_FD) and, when systemd watches the process,
sends WATCHDOG=1. Nothing here may block the loop: the pipe is non-blocking and a full pipe (nobody reading) or a
closed one (the supervisor is gone) is ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os

from allo.tasks import cancel_and_wait
from allo.watchdog.sd_notify import SdNotifier

log = logging.getLogger(__name__)

BEAT = b"."


class PipeBeat:
    """The write end of the supervisor's heartbeat pipe, inherited by `allo serve`."""

    def __init__(self, fd: int) -> None:
        self.fd: int | None = fd
        os.set_blocking(fd, False)

    def beat(self) -> bool:
        if self.fd is None:
            return False
        try:
            os.write(self.fd, BEAT)
        except BlockingIOError:  # the supervisor is not reading: a full pipe is no reason to wait
            return False
        except OSError as error:  # EPIPE/EBADF: the supervisor is gone; stop writing
            log.warning("heartbeat pipe closed (%s): no more beats to the supervisor", error)
            self.close()
            return False
        return True

    def close(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None


class Heartbeat:
    """Beats every `interval_s` on the running loop, towards the pipe and/or systemd."""

    def __init__(self, interval_s: float, pipe: PipeBeat | None, systemd: SdNotifier) -> None:
        self.interval_s = interval_s
        self.pipe = pipe
        self.systemd = systemd
        self.beats = 0
        self._task: asyncio.Task[None] | None = None

    @property
    def active(self) -> bool:
        return self.pipe is not None or self.systemd.watchdog_s is not None

    def beat(self) -> None:
        self.beats += 1
        if self.pipe is not None:
            self.pipe.beat()
        self.systemd.watchdog()

    def start(self) -> None:
        if self.active and self._task is None:
            self._task = asyncio.create_task(self._run(), name="watchdog-heartbeat")

    async def _run(self) -> None:
        while True:
            self.beat()
            await asyncio.sleep(self.interval_s)

    async def stop(self) -> None:
        """Stop beating and close the pipe (the supervisor sees EOF) and the notification socket."""
        if self._task is not None:
            await cancel_and_wait(self._task)
            self._task = None
        if self.pipe is not None:
            self.pipe.close()
        self.systemd.close()
