"""The AMI connection lifecycle, owned by one supervisor task.

connect (timeout) → Login (checked) → wait for ``FullyBooted`` → ``QueueStatus`` resync → READY →
``Ping`` every ``ping_interval`` with the reply checked within ``ping_timeout`` (half-open
detection). When the connection is lost, a ping goes unanswered or any step fails: close, state
DISCONNECTED, wait an exponential back-off with jitter (reset once READY was reached), start over.

Timeouts use ``asyncio.timeout`` rather than ``asyncio.wait_for``: on Python 3.11 the latter
swallows a cancellation that arrives just as the awaited thing completes, which could leave the
supervisor running after ``stop()``.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence
from enum import StrEnum

from acd.ami import commands
from acd.ami.backoff import Backoff
from acd.ami.caller_ids import CallerIds
from acd.ami.connection import AmiConnection
from acd.ami.errors import AmiActionFailed, AmiError, AmiNotConnected, AmiTimeout
from acd.ami.event_types import AmiEvent
from acd.ami.listeners import Listeners

logger = logging.getLogger(__name__)


class AmiState(StrEnum):
    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    LOGGED_IN = "logged_in"
    READY = "ready"


class _LoginRefused(AmiError):
    pass


class AmiSupervisor:
    """Keeps one AMI connection up; events and snapshots go to listeners that survive reconnects."""

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        secret: str,
        *,
        action_timeout: float = 5.0,
        connect_timeout: float = 5.0,
        ping_interval: float = 10.0,
        ping_timeout: float = 5.0,
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
        boot_timeout: float = 30.0,
        rng: random.Random | None = None,
        events: Sequence[str] = (),
    ) -> None:
        self.host = host
        self.port = port
        self.username = username
        self._secret = secret
        self.action_timeout = action_timeout
        self.connect_timeout = connect_timeout
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.boot_timeout = boot_timeout
        self.events = tuple(events)  # AMI Filter: only these unsolicited events (empty: all)
        self._backoff = Backoff(backoff_initial, backoff_max, rng)
        self._state = AmiState.DISCONNECTED
        self._ready = asyncio.Event()
        self._ready_count = 0
        self._reconnects = 0
        self._conn: AmiConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._events: Listeners[AmiEvent] = Listeners("event")
        self._caller_ids = CallerIds()  # kept across reconnections: a call outlives its AMI connection
        self._resyncs: Listeners[list[AmiEvent]] = Listeners("resync")

    def _deliver(self, event: AmiEvent) -> None:
        self._events.notify(self._caller_ids.fill(event))

    def __repr__(self) -> str:  # never shows the secret
        return f"<{type(self).__name__} {self.username}@{self.host}:{self.port} {self._state.value}>"

    # -- observable state -------------------------------------------------------------------

    @property
    def state(self) -> AmiState:
        return self._state

    @property
    def connected(self) -> bool:
        """True when READY: logged in, Asterisk fully booted, queue state resynchronised."""
        return self._state is AmiState.READY

    @property
    def reconnects(self) -> int:
        """How many times READY was reached again after a previous connection ended."""
        return self._reconnects

    @property
    def consecutive_failures(self) -> int:
        """Connection attempts that failed since READY was last reached (drives the back-off)."""
        return self._backoff.attempt

    def add_listener(self, callback: Callable[[AmiEvent], None]) -> None:
        """Call ``callback(event)`` for every unsolicited AMI event (exceptions are logged)."""
        self._events.add(callback)

    def remove_listener(self, callback: Callable[[AmiEvent], None]) -> None:
        self._events.remove(callback)

    def add_resync_listener(self, callback: Callable[[list[AmiEvent]], None]) -> None:
        """Call ``callback(snapshot)`` with the ``QueueStatus`` items each time READY is reached."""
        self._resyncs.add(callback)

    def remove_resync_listener(self, callback: Callable[[list[AmiEvent]], None]) -> None:
        self._resyncs.remove(callback)

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Launch the supervisor task (no-op if it is running); returns at once."""
        if self._task is not None and not self._task.done():
            return
        self._task = asyncio.create_task(self._supervise(), name=f"ami-supervisor-{self.host}:{self.port}")

    async def stop(self) -> None:
        """Log off if possible, stop the supervisor, close the connection. Safe in any state."""
        task, self._task = self._task, None
        conn = self._conn
        if conn is not None and self._state is AmiState.READY:
            try:
                await conn.send(commands.build_action("Logoff"), within=min(self.action_timeout, 1.0))
            except (AmiError, OSError):
                logger.debug("AMI Logoff got no answer; closing anyway")
        if task is not None:
            while not task.done():  # re-cancel: a cancellation can be absorbed by a finishing await
                task.cancel()
                await asyncio.wait({task}, timeout=0.25)
            if not task.cancelled() and task.exception() is not None:
                logger.error("AMI supervisor ended with an error: %r", task.exception())
        self._set_state(AmiState.DISCONNECTED)

    async def wait_ready(self, timeout: float) -> None:
        """Return once READY; raise :class:`AmiTimeout` after ``timeout`` seconds."""
        try:
            async with asyncio.timeout(timeout):
                await self._ready.wait()
        except TimeoutError as exc:
            raise AmiTimeout(f"AMI not ready within {timeout:g}s (state: {self._state.value})") from exc

    def _ready_connection(self) -> AmiConnection:
        conn = self._conn
        if self._state is not AmiState.READY or conn is None or not conn.is_open:
            raise AmiNotConnected(f"AMI is not ready (state: {self._state.value})")
        return conn

    def _set_state(self, state: AmiState) -> None:
        if state is not self._state:
            logger.info("AMI %s:%d: %s -> %s", self.host, self.port, self._state.value, state.value)
            self._state = state

    # -- supervisor -------------------------------------------------------------------------

    async def _supervise(self) -> None:
        while True:
            try:
                await self._run_connection()
            except _LoginRefused as exc:
                logger.error(
                    "AMI login refused for user %r at %s:%d (%s): check the AMI username and secret",
                    self.username,
                    self.host,
                    self.port,
                    exc,
                )
            except (AmiError, OSError) as exc:
                logger.warning("AMI connection to %s:%d ended: %s", self.host, self.port, _describe(exc))
            except Exception:
                logger.exception("AMI supervisor: unexpected error; will reconnect")
            self._set_state(AmiState.DISCONNECTED)
            delay = self._backoff.next_delay()
            logger.info("AMI: reconnecting to %s:%d in %.2fs", self.host, self.port, delay)
            await asyncio.sleep(delay)

    async def _run_connection(self) -> None:
        lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def on_lost() -> None:
            if not lost.done():
                lost.set_result(None)

        conn = AmiConnection(self.host, self.port, on_event=self._deliver, on_lost=on_lost)
        self._set_state(AmiState.CONNECTING)
        try:
            await conn.open(self.connect_timeout)
            self._conn = conn
            session = asyncio.create_task(self._session(conn), name="ami-session")
            try:
                await asyncio.wait({session, lost}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                if not session.done():
                    session.cancel()
                    await asyncio.wait({session})
            error = None if session.cancelled() else session.exception()
            if error is not None:
                raise error
            raise AmiNotConnected("connection closed by the peer")
        finally:
            self._conn = None
            self._ready.clear()
            self._set_state(AmiState.DISCONNECTED)
            await conn.aclose()

    async def _session(self, conn: AmiConnection) -> None:
        response = await conn.send(commands.login(self.username, self._secret), within=self.action_timeout)
        if not response.success:
            message = response.message or "no reason given"
            if "shutting down" in message.lower():
                # Asterisk 22 answers every Login this way between `core stop` and its exit: a restart, not a
                # wrong secret; retried like a lost connection, without the "check the secret" error.
                raise AmiError(f"Asterisk refused the login while it stops ({message})")
            raise _LoginRefused(message)
        self._set_state(AmiState.LOGGED_IN)
        await self._filter_events(conn)
        try:
            async with asyncio.timeout(self.boot_timeout):
                await conn.booted.wait()
        except TimeoutError as exc:
            raise AmiTimeout(f"no FullyBooted event within {self.boot_timeout:g}s after login") from exc
        response, snapshot = await conn.send_list(
            commands.queue_status(None), "QueueStatusComplete", within=self.action_timeout
        )
        if not response.success:
            raise AmiActionFailed("QueueStatus", response)
        self._ready_count += 1
        if self._ready_count > 1:
            self._reconnects += 1
        self._backoff.reset()
        self._set_state(AmiState.READY)
        self._ready.set()
        self._resyncs.notify(snapshot)
        await self._keepalive(conn)

    async def _filter_events(self, conn: AmiConnection) -> None:
        """Ask for `self.events` only. Sent together (one round trip): between the first include filter and the
        last, Asterisk drops the events not yet included. A refusal (Asterisk < 21) leaves the session unfiltered."""
        if not self.events:
            return
        replies = await asyncio.gather(
            *(conn.send(commands.event_filter(name), within=self.action_timeout) for name in self.events)
        )
        refused = [(name, reply.message) for name, reply in zip(self.events, replies, strict=True)
                   if not reply.success]
        if refused:
            logger.warning("AMI Filter refused for %s (%s): this session receives every event",
                           ", ".join(name for name, _ in refused), refused[0][1])

    async def _keepalive(self, conn: AmiConnection) -> None:
        while True:
            await asyncio.sleep(self.ping_interval)
            try:
                await conn.send(commands.build_action("Ping"), within=self.ping_timeout)
            except AmiTimeout as exc:
                raise AmiTimeout(
                    f"Ping unanswered within {self.ping_timeout:g}s: connection presumed half-open"
                ) from exc


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
