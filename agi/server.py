"""FastAGI server: accepts Asterisk's connections and runs one handler per call."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Mapping
from types import MappingProxyType, TracebackType

from agi.connection import ConnectionSettings, Handler, serve_connection
from agi.log_throttle import WarningThrottle
from agi.observer import AgiObserver, GuardedObserver, SessionOutcome

__all__ = ["AgiObserver", "AgiServer", "Handler", "SessionOutcome"]

_log = logging.getLogger(__name__)


class AgiServer:
    """Routes each connection to ``routes[script]`` where script is ``agi_network_script``.

    Every handler must be an ``async def`` function: it is checked here, at construction, rather
    than failing on the first call.
    """

    def __init__(
        self,
        routes: Mapping[str, Handler],
        host: str = "127.0.0.1",
        port: int = 4573,
        *,
        header_timeout: float = 5.0,
        command_timeout: float = 30.0,
        max_line: int = 8192,
        observer: AgiObserver | None = None,
        backlog: int = 1024,
    ) -> None:
        for name, handler in routes.items():
            if not isinstance(name, str) or not name:
                raise ValueError(f"AGI route names must be non-empty strings, got {name!r}")
            if not inspect.iscoroutinefunction(handler):
                raise TypeError(
                    f"AGI handler for {name!r} must be an async function (async def), got {handler!r}"
                )
        if header_timeout <= 0 or command_timeout <= 0:
            raise ValueError("timeouts must be positive")
        self._routes: Mapping[str, Handler] = MappingProxyType(dict(routes))
        self._host = host
        self._requested_port = port
        self._backlog = backlog
        self._settings = ConnectionSettings(header_timeout, command_timeout, max_line)
        self._observer = observer
        self._guarded = GuardedObserver(observer)
        self._warn = WarningThrottle(logging.getLogger("agi.connection"))
        self._server: asyncio.Server | None = None
        self._bound_port: int | None = None
        self._accepting = False
        self._sessions: set[asyncio.Task[None]] = set()
        self._stopped = asyncio.Event()

    @property
    def port(self) -> int:
        """The port actually bound (useful with ``port=0``); only valid once started."""
        if self._bound_port is None:
            raise RuntimeError("the AGI server is not started")
        return self._bound_port

    @property
    def active_sessions(self) -> int:
        """Connections being served, from accept to close."""
        return len(self._sessions)

    @property
    def accepting(self) -> bool:
        return self._accepting

    async def start(self) -> None:
        if self._server is not None:
            raise RuntimeError("the AGI server is already started")
        self._server = await asyncio.start_server(
            self._on_connection, self._host, self._requested_port, backlog=self._backlog
        )
        self._bound_port = self._server.sockets[0].getsockname()[1]
        self._accepting = True
        _log.info("AGI server listening on %s:%d", self._host, self._bound_port)

    async def stop(self, drain_timeout: float = 10.0) -> None:
        """Stop accepting at once, let sessions finish for ``drain_timeout`` s, cancel the rest."""
        if self._server is None:
            return
        if not self._accepting:  # already stopping or stopped
            await self._stopped.wait()
            return
        self._accepting = False
        self._server.close()
        if self._sessions:
            _, late = await asyncio.wait(set(self._sessions), timeout=drain_timeout)
            if late:
                _log.warning(
                    "cancelling %d AGI sessions still running after %.1f s", len(late), drain_timeout
                )
                for task in late:
                    task.cancel()
                await asyncio.wait(late)
        await self._server.wait_closed()
        self._stopped.set()
        _log.info("AGI server stopped")

    async def serve_forever(self) -> None:
        """Serve until :meth:`stop` is called; cancelling this stops the server (with draining)."""
        if self._server is None:
            await self.start()
        try:
            await self._stopped.wait()
        except asyncio.CancelledError:
            await self.stop()
            raise

    async def __aenter__(self) -> AgiServer:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if not self._accepting or task is None:
            writer.transport.abort()  # accepted in the instant before stop(): refuse it
            return
        self._sessions.add(task)
        self._guarded.session_started()
        started = time.monotonic()
        outcome = SessionOutcome.CANCELLED
        try:
            outcome = await serve_connection(reader, writer, self._routes, self._settings, self._observer,
                                             warn=self._warn)
        except Exception:
            # Nobody awaits this task: an escaping exception would only surface at garbage collection.
            _log.exception("AGI connection failed unexpectedly")
            outcome = SessionOutcome.HANDLER_ERROR
        finally:
            self._sessions.discard(task)
            self._guarded.session_ended(outcome, time.monotonic() - started)
