"""One AMI TCP connection, through panoramisk, with its defects worked around.

:class:`AmiConnection` subclasses ``panoramisk.Manager`` but takes the lifecycle away from it: it
never reconnects by itself (``connection_lost`` only reports), never runs a pinger, never replays
actions after a reconnection (pending actions fail with :class:`~acd.ami.errors.AmiNotConnected`), and
every action has a timeout. The supervisor in :mod:`acd.ami.supervisor` decides what happens next.

panoramisk's own log lines embed whole frames (the login secret, caller numbers): it gets a logger
that withholds them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any

from panoramisk import actions as pk_actions
from panoramisk.ami_protocol import AMIProtocol
from panoramisk.manager import Manager

from acd.ami.errors import AmiNotConnected, AmiTimeout
from acd.ami.event_types import AmiEvent, AmiResponse, FullyBooted
from acd.ami.events import parse_event, parse_response

logger = logging.getLogger(__name__)

#: Action headers; a list value is sent as the same header repeated (e.g. ``Variable``).
ActionFields = Mapping[str, str | list[str]]

_CLOSE_GRACE = 1.0


def message_fields(message: Mapping[str, Any]) -> dict[str, str]:
    """Flatten a panoramisk ``Message`` to ``str`` values (repeated headers joined by newlines)."""
    flat: dict[str, str] = {}
    for key, value in message.items():
        if key == "content" and not value:  # panoramisk's body slot, not a header
            continue
        if isinstance(value, list):
            flat[str(key)] = "\n".join(str(item) for item in value)
        else:
            flat[str(key)] = str(value)
    return flat


class _WithheldLog:
    """Logger handed to panoramisk: its messages would leak secrets and caller numbers."""

    def debug(self, *_args: object, **_kwargs: object) -> None:
        pass

    info = debug

    def warning(self, *_args: object, **_kwargs: object) -> None:
        logger.warning("panoramisk reported a problem (details withheld: they may contain secrets)")

    error = warning
    exception = warning
    critical = warning


def _fail_pending(responses: dict[str, Any]) -> None:
    """Fail every unresolved action future, so no caller waits for a dead connection."""
    for action in {id(action): action for action in responses.values()}.values():
        future: asyncio.Future[Any] = action.future
        if not future.done():
            name = action.get("Action", "?")
            future.set_exception(AmiNotConnected(f"AMI connection closed before {name} completed"))
            future.exception()  # mark as retrieved: the awaiting side may have gone already
    responses.clear()


class _ListAction(pk_actions.Action):  # type: ignore[misc]
    """A list action (``QueueStatus``…) that resolves on its own ``…Complete`` event or on error.

    panoramisk's ``Action`` never resolves a list action answered with ``Response: Error`` and
    accepts any event ending in ``Complete``.
    """

    def __init__(self, fields: ActionFields, complete_event: str) -> None:
        super().__init__(dict(fields), as_list=True)
        self.complete_event = complete_event.lower()

    def add_message(self, message: Any) -> bool:
        self.responses.append(message)
        if self.future.done():
            return True
        first_is_error = len(self.responses) == 1 and "response" in message and not message.success
        if first_is_error or str(message.get("event", "")).lower() == self.complete_event:
            self.future.set_result(list(self.responses))
            return True
        return False


class _Protocol(AMIProtocol):  # type: ignore[misc]
    def __init__(self, factory: AmiConnection) -> None:
        super().__init__()
        self._factory = factory
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        # panoramisk expects Manager.connection_made to fill these in; do it before any data.
        self.factory = self._factory
        self.log = _WithheldLog()
        self.encoding = "utf8"

    def connection_lost(self, exc: object) -> None:
        try:
            super().connection_lost(exc)  # reports to the factory unless we closed it ourselves
        finally:
            # panoramisk also calls this with the ``Shutdown`` event (it then closes the
            # transport); only the transport's own call, with None or an exception, means gone.
            if (exc is None or isinstance(exc, BaseException)) and not self.lost.done():
                self.lost.set_result(None)

    def close(self) -> None:
        _fail_pending(self.responses)
        super().close()


class AmiConnection(Manager):  # type: ignore[misc]
    """A single AMI connection: open it, send actions with timeouts, close it. Never reconnects."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        on_event: Callable[[AmiEvent], None],
        on_lost: Callable[[], None],
    ) -> None:
        super().__init__(host=host, port=port, encoding="utf8", log=_WithheldLog())
        # Drop panoramisk's own FullyBooted handler (it replays queued actions after reconnects).
        self.callbacks.clear()
        self.patterns.clear()
        self._on_event = on_event
        self._on_lost = on_lost
        self.booted = asyncio.Event()
        self._closing = False

    # -- lifecycle --------------------------------------------------------------------------

    async def open(self, within: float) -> None:
        """Open the TCP connection (raises ``OSError`` or :class:`AmiTimeout`)."""
        loop = asyncio.get_running_loop()
        self.loop = loop
        host, port = self.config["host"], self.config["port"]
        try:
            async with asyncio.timeout(within):
                _transport, protocol = await loop.create_connection(lambda: _Protocol(self), host, port)
        except TimeoutError as exc:
            raise AmiTimeout(f"connecting to AMI at {host}:{port} timed out after {within:g}s") from exc
        self.protocol = protocol
        self._connected = True

    def connect(self, *_args: object, **_kwargs: object) -> Any:
        raise NotImplementedError("AmiConnection is opened with open(); it never reconnects itself")

    def connection_made(self, _future: object) -> None:
        raise NotImplementedError("AmiConnection is opened with open()")

    def ping(self) -> None:
        """panoramisk's fire-and-forget pinger is disabled: the supervisor checks Ping replies."""

    def connection_lost(self, _exc: object) -> None:
        self._connected = False
        self.awaiting_actions.clear()
        if not self._closing:
            self._on_lost()

    def close(self) -> None:
        self._closing = True
        self._connected = False
        self.awaiting_actions.clear()
        if self.protocol is not None:
            self.protocol.close()

    async def aclose(self) -> None:
        """Close and wait until the transport is really gone (aborting it if it lingers)."""
        self.close()
        protocol = self.protocol
        if protocol is None:
            return
        done, _ = await asyncio.wait({protocol.lost}, timeout=_CLOSE_GRACE)
        if not done:
            protocol.transport.abort()
            await asyncio.wait({protocol.lost}, timeout=_CLOSE_GRACE)

    @property
    def is_open(self) -> bool:
        return bool(self._connected) and self.protocol is not None and not self.protocol.closed

    # -- events -----------------------------------------------------------------------------

    def dispatch(self, message: Any) -> list[str]:
        event = parse_event(message_fields(message))
        if isinstance(event, FullyBooted):
            self.booted.set()
        self._on_event(event)
        return []

    # -- actions ----------------------------------------------------------------------------

    async def send(self, fields: ActionFields, within: float) -> AmiResponse:
        """Send a single-response action (``as_list=False``) and return its typed response."""
        action = pk_actions.Action(dict(fields), as_list=False)
        message = await self._exchange(action, as_list=False, within=within)
        return parse_response(message_fields(message))

    async def send_list(
        self, fields: ActionFields, complete_event: str, within: float
    ) -> tuple[AmiResponse, list[AmiEvent]]:
        """Send a list action; return its response and the events before ``complete_event``."""
        action = _ListAction(fields, complete_event)
        messages: list[Any] = await self._exchange(action, as_list=True, within=within)
        response = parse_response(message_fields(messages[0]))
        complete = complete_event.lower()
        return response, [
            parse_event(message_fields(message))
            for message in messages[1:]
            if str(message.get("event", "")).lower() != complete
        ]

    async def _exchange(self, action: Any, *, as_list: bool, within: float) -> Any:
        name = action.get("Action", "?")
        protocol = self.protocol
        if not self.is_open or protocol is None:
            raise AmiNotConnected(f"AMI connection is not open (action {name})")
        future = protocol.send(action, as_list=as_list)
        try:
            async with asyncio.timeout(within):
                return await future
        except TimeoutError as exc:
            raise AmiTimeout(f"AMI action {name} got no response within {within:g}s") from exc
        finally:
            # panoramisk keeps unanswered actions forever; forget timed-out or cancelled ones.
            for key in (action.id, action.action_id):
                if protocol.responses.get(key) is action:
                    del protocol.responses[key]
