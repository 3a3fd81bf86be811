"""`allo serve`: FastAGI, AMI client and HTTP API in one asyncio process; SIGINT/SIGTERM drain and stop.

The event loop beats (allo/watchdog/heartbeat.py) for `allo supervise` and systemd's watchdog from the very start,
so only the interpreter's start-up is left to the supervisor's grace; under systemd (NOTIFY_SOCKET) it also says
READY=1 once HTTP listens and STOPPING=1 when it starts draining.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import resource
import signal
from collections.abc import Generator

import uvicorn

from allo.app import create_app
from allo.privacy.keyring import RUNNING_KEYS, write_running_keys
from allo.service import AlloService
from allo.settings import Settings
from allo.watchdog.heartbeat import Heartbeat, PipeBeat
from allo.watchdog.policy import beat_interval
from allo.watchdog.sd_notify import SdNotifier, watchdog_seconds

log = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        # We own the signals: the FastAGI drain must happen before the process exits.
        yield


def heartbeat_of(settings: Settings) -> Heartbeat:
    """The loop's heartbeat towards `allo supervise` (ALLO_HEARTBEAT_FD) and systemd (NOTIFY_SOCKET)."""
    systemd_s = watchdog_seconds(settings.watchdog_usec, settings.watchdog_pid, os.getpid())
    systemd = SdNotifier(settings.notify_socket, systemd_s)
    pipe: PipeBeat | None = None
    if settings.heartbeat_fd is not None:
        try:
            pipe = PipeBeat(settings.heartbeat_fd)
        except OSError as error:  # not a descriptor we inherited: serve anyway, the supervisor will judge
            log.warning("ALLO_HEARTBEAT_FD=%s unusable (%s): no heartbeat to the supervisor",
                        settings.heartbeat_fd, error)
    return Heartbeat(beat_interval(settings.watchdog_seconds if pipe else None, systemd.watchdog_s), pipe, systemd)


async def _listening(http: uvicorn.Server, http_task: asyncio.Task[None]) -> bool:
    """Until uvicorn has bound its socket (True), or its task ended without (False)."""
    while not http.started:
        if http_task.done():
            return False
        await asyncio.sleep(0.02)
    return True


async def serve_async(settings: Settings, stop: asyncio.Event | None = None) -> None:
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    heartbeat = heartbeat_of(settings)
    heartbeat.start()  # before the service starts: a start-up that holds the loop is a stall too
    service = AlloService(settings)
    await service.start()
    config = uvicorn.Config(create_app(service), host=settings.http_host, port=settings.http_port,
                            log_level="warning", access_log=False, lifespan="off")
    http = _Server(config)
    http_task = asyncio.create_task(http.serve())
    pidfile = settings.state_dir / "allo-serve.pid"
    pidfile.parent.mkdir(parents=True, exist_ok=True)
    pidfile.write_text(str(os.getpid()))
    write_running_keys(settings)  # fingerprints only: `allo keys` checks which keys this process holds
    print(f"[allo] serving: FastAGI {settings.agi_host}:{settings.agi_port}, "
          f"HTTP http://{settings.http_host}:{settings.http_port}/healthz", flush=True)
    stop_task = asyncio.create_task(stop.wait())
    try:
        if await _listening(http, http_task):
            heartbeat.systemd.ready()
        await asyncio.wait({http_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop_task.cancel()
        heartbeat.systemd.stopping()
        print("[allo] stopping: draining FastAGI sessions", flush=True)
        await service.stop()
        http.should_exit = True
        with contextlib.suppress(SystemExit):  # uvicorn exits this way when it cannot bind its port
            await http_task
        pidfile.unlink(missing_ok=True)
        (settings.state_dir / RUNNING_KEYS).unlink(missing_ok=True)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await heartbeat.stop()  # last: the drain above is watched too


def raise_open_files_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit and return it.

    Every FastAGI connection holds a descriptor until its header timeout, idle ones too: with the usual soft limit
    of 1024, a thousand idle sockets would make accept() fail for Asterisk's real calls (docs/hostile-input.md).
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        return wanted
    return soft


def serve(settings: Settings) -> int:
    log.info("open files limit: %d", raise_open_files_limit())
    asyncio.run(serve_async(settings))
    return 0
