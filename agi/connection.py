"""The life of one FastAGI connection: headers, routing, handler, clean close.

Only this module and :mod:`agi.server` touch sockets, and they only move bytes: framing and
parsing belong to :class:`agi.protocol.AgiParser`, the command exchange to :class:`AgiSession`.
Whatever a peer sends or fails to send, only its own connection ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TypeAlias

from agi.errors import AgiHangup, AgiProtocolError, AgiTimeout
from agi.events import AgiClosed, AgiEvent, AgiHeaders
from agi.log_throttle import WarningThrottle
from agi.observer import AgiObserver, SessionOutcome
from agi.protocol import AgiParser
from agi.session import AgiSession, Inbound

Handler: TypeAlias = Callable[[AgiSession], Awaitable[None]]

_log = logging.getLogger(__name__)

_READ_SIZE = 65536
# Bounded so that a peer flooding lines while the handler is busy elsewhere gets TCP
# back-pressure instead of filling memory.
_INBOX_SIZE = 64
_CLOSE_GRACE = 1.0


@dataclass(frozen=True)
class ConnectionSettings:
    header_timeout: float
    command_timeout: float
    max_line: int


async def serve_connection(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    routes: Mapping[str, Handler],
    settings: ConnectionSettings,
    observer: AgiObserver | None,
    *,
    warn: WarningThrottle | None = None,
) -> SessionOutcome:
    """Run one connection to its end and say how it ended; closes ``writer`` in every case.

    ``warn`` logs what a peer provoked; the server passes one throttle shared by all its connections.
    """
    warn = warn or WarningThrottle(_log)
    peer = writer.get_extra_info("peername")
    parser = AgiParser(max_line=settings.max_line)
    pump: asyncio.Task[None] | None = None
    try:
        try:
            async with asyncio.timeout(settings.header_timeout):
                env, early = await _read_headers(reader, parser)
        except TimeoutError:
            warn("headers-timeout", "AGI connection from %s: headers not received in time", peer)
            return SessionOutcome.TIMEOUT
        except AgiProtocolError as exc:
            warn("headers-rejected", "AGI connection from %s rejected: %s", peer, exc)
            return SessionOutcome.PROTOCOL_ERROR
        except OSError as exc:
            warn("headers-lost", "AGI connection from %s lost while reading headers: %s", peer, exc)
            return SessionOutcome.PROTOCOL_ERROR

        # What came with the headers is queued now, so the handler's first command sees it.
        inbox: asyncio.Queue[Inbound] = asyncio.Queue(maxsize=_INBOX_SIZE + len(early))
        for event in early:
            inbox.put_nowait(event)
        session = AgiSession(env, writer, inbox, command_timeout=settings.command_timeout, observer=observer)
        handler = routes.get(session.script)
        if handler is None:
            # The dialplan falls back to the level-1 queue when AGI() ends this way.
            warn("no-route", "no AGI route for script %r (uniqueid %s)", session.script, session.uniqueid)
            return SessionOutcome.NO_ROUTE
        pump = asyncio.create_task(_pump(reader, parser, inbox))
        return await _run_handler(handler, session, warn)
    finally:
        if pump is not None:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump
        await _close(writer)


async def _run_handler(handler: Handler, session: AgiSession, warn: WarningThrottle) -> SessionOutcome:
    try:
        await handler(session)
    except AgiHangup:
        return SessionOutcome.HANGUP
    except AgiTimeout:
        warn("session-timeout", "AGI session %s: Asterisk did not answer in time", session.uniqueid)
        return SessionOutcome.TIMEOUT
    except AgiProtocolError as exc:
        warn("session-protocol", "AGI session %s: protocol error: %s", session.uniqueid, exc)
        return SessionOutcome.PROTOCOL_ERROR
    except Exception:
        _log.exception("AGI handler for script %r failed (uniqueid %s)", session.script, session.uniqueid)
        return SessionOutcome.HANDLER_ERROR
    return SessionOutcome.HANGUP if session.hung_up else SessionOutcome.COMPLETED


async def _read_headers(
    reader: asyncio.StreamReader, parser: AgiParser
) -> tuple[Mapping[str, str], list[AgiEvent]]:
    """Read until the header block is complete; also return the events that came with it."""
    while True:
        data = await reader.read(_READ_SIZE)
        events = parser.feed(data) if data else parser.feed_eof()
        if events and isinstance(first := events[0], AgiHeaders):
            return first.env, events[1:]
        if not data:  # feed_eof() raises before the headers; kept as a guard against a hang
            raise AgiProtocolError("connection closed before the AGI headers were complete")


async def _pump(reader: asyncio.StreamReader, parser: AgiParser, inbox: asyncio.Queue[Inbound]) -> None:
    """Move parser events from the socket to the session until EOF or a protocol error."""
    try:
        while True:
            data = await reader.read(_READ_SIZE)
            events = parser.feed(data) if data else parser.feed_eof()
            for event in events:
                await inbox.put(event)
            if not data:
                return
    except AgiProtocolError as exc:
        await inbox.put(exc)
    except OSError:  # connection reset: for the session, the same as a close
        await inbox.put(AgiClosed())


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    try:
        # wait_for, not asyncio.timeout: on 3.11 the latter cannot time out inside a task that is
        # being cancelled, which is exactly when stop() makes us close.
        await asyncio.wait_for(writer.wait_closed(), _CLOSE_GRACE)
    except TimeoutError:
        writer.transport.abort()  # the peer does not read: drop what is left in the buffer
    except OSError:
        pass
