"""The per-call context given to AGI handlers, and the command/reply exchange with Asterisk.

The session does no I/O of its own: it writes command bytes to a :class:`ByteSink` (an
``asyncio.StreamWriter`` fits) and takes parser events, or the protocol error that ended the
stream, from a queue filled by whoever reads the socket.

FastAGI writes ``HANGUP`` out of band when the channel hangs up, typically right after the reply
to the command that noticed it (``200 result=-1``), or before the reply to a command that crossed
it on the wire. Replies are therefore matched to commands strictly in order and ``HANGUP`` is only
recorded, never taken as a reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping
from types import MappingProxyType
from typing import Protocol, TypeAlias
from urllib.parse import parse_qsl

from agi.errors import AgiCommandError, AgiError, AgiHangup, AgiProtocolError, AgiTimeout
from agi.events import AgiClosed, AgiEvent, AgiHangupNotice, AgiReply
from agi.observer import AgiObserver, GuardedObserver
from agi.protocol import format_command

Inbound: TypeAlias = AgiEvent | AgiProtocolError


class ByteSink(Protocol):
    """Where command bytes go; ``asyncio.StreamWriter`` satisfies it."""

    def write(self, data: bytes) -> None: ...

    async def drain(self) -> None: ...

    def close(self) -> None: ...


class AgiSession:
    """One AGI call. ``caller_id`` is personal data: never log it, pseudonymise it first."""

    def __init__(
        self,
        env: Mapping[str, str],
        sink: ByteSink,
        inbox: asyncio.Queue[Inbound],
        *,
        command_timeout: float = 30.0,
        observer: AgiObserver | None = None,
    ) -> None:
        self.env: Mapping[str, str] = MappingProxyType(dict(env))
        script, _, query = env.get("agi_network_script", "").partition("?")
        self.script = script
        self.args: Mapping[str, str] = MappingProxyType(dict(parse_qsl(query, keep_blank_values=True)))
        self.channel = env.get("agi_channel", "")
        self.uniqueid = env.get("agi_uniqueid", "")
        caller_id = env.get("agi_callerid", "")
        self.caller_id: str | None = None if caller_id in ("", "unknown") else caller_id
        self.hung_up = False
        # The connection ended without Asterisk's HANGUP line: Asterisk itself went away (killed, crashed), so
        # nobody knows whether the caller hung up; a cluster closes such calls as cut by a node loss.
        self.connection_lost = False
        self.vars: dict[str, object] = {}
        self._sink = sink
        self._inbox = inbox
        self._command_timeout = command_timeout
        self._observer = GuardedObserver(observer)
        self._lock = asyncio.Lock()
        self._fatal: AgiError | None = None

    def __repr__(self) -> str:
        return f"<AgiSession script={self.script!r} channel={self.channel!r} uniqueid={self.uniqueid!r}>"

    @property
    def closed(self) -> bool:
        """True once the session can no longer send commands (timeout, protocol error, close)."""
        return self._fatal is not None

    def close(self) -> None:
        """Close the connection; later commands raise AgiHangup."""
        self._set_fatal(AgiHangup("the AGI session is closed"))

    # A per-command timeout is part of the API: the session must also close itself when it fires.
    async def command(self, *parts: str, timeout: float | None = None) -> AgiReply:
        """Send one command and return its reply (``timeout`` defaults to the session's)."""
        line = format_command(*parts)
        async with self._lock:
            self._absorb_pending()
            self._raise_if_unusable()
            started = time.monotonic()
            answered = False
            try:
                async with asyncio.timeout(self._command_timeout if timeout is None else timeout):
                    self._sink.write(line)
                    await self._sink.drain()
                    reply = await self._next_reply()
                answered = True
            except TimeoutError:
                self._set_fatal(AgiTimeout(f"no reply to {parts[0]} in time"))
                raise AgiTimeout(f"no reply to {parts[0]} in time") from None
            except OSError:
                self._lost()
                self._set_fatal(AgiHangup("the AGI connection was lost"))
                raise AgiHangup("the AGI connection was lost") from None
            finally:
                if not answered and self._fatal is None:
                    # Cancelled or failed mid-command: a late reply would be taken for the next one.
                    self._set_fatal(AgiProtocolError("a command was abandoned before its reply"))
            self._observer.command_done(parts[0], time.monotonic() - started)
            self._absorb_pending()
            return self._checked(reply)

    async def stream_file(
        self,
        name: str,
        escape_digits: str = "",
        *,
        timeout: float | None = None,
    ) -> AgiReply:
        """Play a prompt; ``result`` is 0, the ASCII code of the escape digit pressed, or -1."""
        return await self.command("STREAM FILE", name, escape_digits, timeout=timeout)

    async def get_data(self, prompt: str, timeout_ms: int, max_digits: int) -> str:
        """Play ``prompt`` and collect DTMF digits.

        Returns the digits entered: "" when the caller typed nothing before the timeout, the
        partial entry when they stopped typing early. ``result=-1`` means hang-up.
        """
        if timeout_ms < 0 or max_digits < 1:
            raise ValueError("timeout_ms must be >= 0 and max_digits >= 1")
        reply = await self.command(
            "GET DATA",
            prompt,
            str(timeout_ms),
            str(max_digits),
            timeout=self._command_timeout + timeout_ms / 1000,
        )
        if reply.result == "-1":
            self.hung_up = True
            raise AgiHangup("the caller hung up during GET DATA")
        return reply.result

    async def set_variable(self, name: str, value: str) -> None:
        await self.command("SET VARIABLE", name, value)

    async def get_variable(self, name: str) -> str | None:
        """The channel variable's value, or None when it is not set."""
        reply = await self.command("GET VARIABLE", name)
        if reply.result != "1":
            return None
        return reply.data or ""

    async def verbose(self, msg: str, level: int = 1) -> None:
        """Write to the Asterisk console/log. Never pass caller data."""
        await self.command("VERBOSE", msg, str(level))

    async def hangup(self) -> None:
        """Hang up the channel; a no-op when it already has."""
        with contextlib.suppress(AgiHangup):
            await self.command("HANGUP")
        self.hung_up = True

    async def _next_reply(self) -> AgiReply:
        while True:
            item = await self._inbox.get()
            if isinstance(item, AgiProtocolError):
                self._set_fatal(item)
                raise AgiProtocolError(*item.args)
            if isinstance(item, AgiHangupNotice):
                self.hung_up = True
            elif isinstance(item, AgiClosed):
                self._lost()
                self._set_fatal(AgiHangup("Asterisk closed the AGI connection"))
                raise AgiHangup("Asterisk closed the AGI connection")
            elif isinstance(item, AgiReply):
                if not 100 <= item.code < 200:  # 1xx is provisional ("100 result=0 Trying...")
                    return item
            else:
                self._set_fatal(AgiProtocolError("AGI headers received twice"))
                raise AgiProtocolError("AGI headers received twice")

    def _absorb_pending(self) -> None:
        """Take what arrived while no command was pending: HANGUP, EOF, errors, stray replies."""
        while not self._inbox.empty():
            item = self._inbox.get_nowait()
            if isinstance(item, AgiProtocolError):
                self._set_fatal(item)
            elif isinstance(item, AgiHangupNotice):
                self.hung_up = True
            elif isinstance(item, AgiClosed):
                self._lost()
                self._set_fatal(AgiHangup("Asterisk closed the AGI connection"))
            else:
                self._set_fatal(AgiProtocolError("unsolicited AGI reply: replies are out of step"))

    def _lost(self) -> None:
        """The connection ended: a hang-up for every command, lost when Asterisk had not said HANGUP first."""
        if not self.hung_up:
            self.connection_lost = True
        self.hung_up = True

    def _raise_if_unusable(self) -> None:
        if self._fatal is not None:
            raise type(self._fatal)(*self._fatal.args)
        if self.hung_up:
            raise AgiHangup("the channel has hung up")

    def _checked(self, reply: AgiReply) -> AgiReply:
        if reply.code == 200:
            if reply.result == "-1" and self.hung_up:
                raise AgiHangup("the channel hung up during the command")
            return reply
        if reply.code == 511 and self.hung_up:
            raise AgiHangup("the channel has hung up")
        raise AgiCommandError(reply.code, reply.text)

    def _set_fatal(self, error: AgiError) -> None:
        if self._fatal is None:
            self._fatal = error
            self._sink.close()
