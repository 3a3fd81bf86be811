"""Sans-I/O FastAGI protocol: bytes from Asterisk in, typed events out; commands to bytes.

Nothing here touches a socket or the event loop, so every edge case can be tested by feeding
bytes (the h11 approach).

Encoding policy: lines are decoded as UTF-8 with ``errors="replace"``. A caller name in Latin-1
therefore becomes ``U+FFFD`` characters instead of killing the call, while the *structure* stays
strict: header keys and reply codes are ASCII, so garbage still raises :class:`AgiProtocolError`.
That is the only exception :meth:`AgiParser.feed` and :meth:`AgiParser.feed_eof` raise; after it
the parser is failed and the connection must be closed (events parsed earlier in the same call are
dropped with it).
"""

from __future__ import annotations

import enum
import re
from types import MappingProxyType
from typing import NamedTuple

from agi.errors import AgiProtocolError
from agi.events import AgiClosed, AgiEvent, AgiHangupNotice, AgiHeaders, AgiReply
from agi.replies import parse_reply

__all__ = [
    "AgiClosed",
    "AgiEvent",
    "AgiHangupNotice",
    "AgiHeaders",
    "AgiParser",
    "AgiReply",
    "Held",
    "format_command",
]

_HEADER_KEY = re.compile(r"agi_[A-Za-z0-9_]+")
_REPLY_START = re.compile(r"([0-9]{3})([ -])(.*)")
_COMMAND_WORDS = re.compile(r"[A-Za-z]+(?: [A-Za-z]+)*")
_FORBIDDEN = ("\n", "\r", "\0")
_NEEDS_QUOTES = frozenset(' \t"\\')
# res_agi reads a command into a 2 KiB buffer; the tail of a longer line would not be parsed as
# part of this command, so refuse it rather than let an argument spill into another command.
_MAX_COMMAND_BYTES = 2000


class _State(enum.Enum):
    HEADERS = enum.auto()
    REPLIES = enum.auto()
    CONTINUATION = enum.auto()  # inside a "520-" multi-line reply
    CLOSED = enum.auto()
    FAILED = enum.auto()


class Held(NamedTuple):
    """What a parser keeps between two calls of ``feed``; each part stays within its limit."""

    line_bytes: int  # of the line not finished yet (<= max_line)
    headers: int  # header lines of an unfinished header block (<= max_headers)
    reply_lines: int  # lines of an unfinished multi-line reply (<= max_continuation)


class AgiParser:
    """Incremental parser of the byte stream Asterisk sends on a FastAGI connection."""

    def __init__(self, max_line: int = 8192, max_headers: int = 200, *, max_continuation: int = 1000) -> None:
        if max_line < 1 or max_headers < 1 or max_continuation < 1:
            raise ValueError("parser limits must be positive")
        self._max_line = max_line
        self._max_headers = max_headers
        self._max_continuation = max_continuation
        self._buffer = bytearray()
        self._scanned = 0  # bytes of _buffer already known to hold no newline
        self._state = _State.HEADERS
        self._headers: dict[str, str] = {}
        self._continuation: list[str] = []
        self._continuation_code = 0

    @property
    def held(self) -> Held:
        return Held(len(self._buffer), len(self._headers), len(self._continuation))

    def feed(self, data: bytes) -> list[AgiEvent]:
        """Consume ``data`` and return the events of every line it completes."""
        self._check_open()
        self._buffer += data
        events: list[AgiEvent] = []
        try:
            start = 0
            while (newline := self._buffer.find(b"\n", max(start, self._scanned))) >= 0:
                line = bytes(self._buffer[start:newline])
                start = newline + 1
                self._scanned = start
                event = self._line(line)
                if event is not None:
                    events.append(event)
            del self._buffer[:start]
            self._scanned = len(self._buffer)
            if len(self._buffer) > self._max_line:
                raise AgiProtocolError(f"line longer than {self._max_line} bytes")
        except AgiProtocolError:
            self._fail()
            raise
        return events

    def feed_eof(self) -> list[AgiEvent]:
        """The peer closed the connection: return ``[AgiClosed()]`` or raise if that was premature."""
        if self._state is _State.CLOSED:
            return []
        self._check_open()
        if self._state is _State.HEADERS:
            self._fail()
            raise AgiProtocolError("connection closed before the AGI headers were complete")
        if self._state is _State.CONTINUATION or self._buffer:
            self._fail()
            raise AgiProtocolError("connection closed in the middle of a line")
        self._state = _State.CLOSED
        return [AgiClosed()]

    def _check_open(self) -> None:
        if self._state is _State.FAILED:
            raise AgiProtocolError("the AGI stream is already broken")
        if self._state is _State.CLOSED:
            raise AgiProtocolError("data after the end of the AGI stream")

    def _fail(self) -> None:
        self._state = _State.FAILED
        self._buffer.clear()
        self._headers.clear()
        self._continuation.clear()

    def _line(self, line: bytes) -> AgiEvent | None:
        if len(line) > self._max_line:
            raise AgiProtocolError(f"line longer than {self._max_line} bytes")
        if line.endswith(b"\r"):
            line = line[:-1]
        text = line.decode("utf-8", errors="replace")
        if self._state is _State.HEADERS:
            return self._header_line(text)
        if self._state is _State.CONTINUATION:
            return self._continuation_line(text)
        return self._reply_line(text)

    def _header_line(self, text: str) -> AgiHeaders | None:
        if not text:
            if not self._headers:
                raise AgiProtocolError("empty AGI header block")
            env = MappingProxyType(dict(self._headers))
            self._headers.clear()
            self._state = _State.REPLIES
            return AgiHeaders(env=env)
        key, separator, value = text.partition(": ")
        if not separator or _HEADER_KEY.fullmatch(key) is None:
            raise AgiProtocolError("malformed AGI header line")
        if key in self._headers:
            raise AgiProtocolError("duplicate AGI header")
        if len(self._headers) >= self._max_headers:
            raise AgiProtocolError(f"more than {self._max_headers} AGI headers")
        self._headers[key] = value
        return None

    def _reply_line(self, text: str) -> AgiEvent | None:
        if text == "HANGUP":
            return AgiHangupNotice()
        if not text:
            return None  # harmless, and not worth killing a call for
        match = _REPLY_START.fullmatch(text)
        if match is None:
            raise AgiProtocolError("unexpected line where an AGI reply was expected")
        code = int(match[1])
        if match[2] == "-":
            self._state = _State.CONTINUATION
            self._continuation = [text]
            self._continuation_code = code
            return None
        return parse_reply(code, match[3], text)

    def _continuation_line(self, text: str) -> AgiReply | None:
        self._continuation.append(text)
        code = str(self._continuation_code)
        if text != code and not text.startswith(code + " "):
            if len(self._continuation) > self._max_continuation:
                raise AgiProtocolError(f"multi-line reply longer than {self._max_continuation} lines")
            return None
        raw = "\n".join(self._continuation)
        self._continuation = []
        self._state = _State.REPLIES
        return AgiReply(
            code=self._continuation_code, result="", data=None, extras=MappingProxyType({}), raw=raw
        )


def format_command(*parts: str) -> bytes:
    """Encode one AGI command line: ``format_command("STREAM FILE", "welcome", "")``.

    The first part holds the command words; the others are arguments, double-quoted when they are
    empty or contain blanks, quotes or backslashes (res_agi treats a backslash as an escape even
    outside quotes). A newline, carriage return or NUL anywhere raises ValueError: it would let an
    argument inject a second command.
    """
    if not parts:
        raise ValueError("an AGI command needs at least its command words")
    for part in parts:
        if any(char in part for char in _FORBIDDEN):
            raise ValueError("AGI command parts must not contain newline, carriage return or NUL")
    command, *arguments = parts
    if _COMMAND_WORDS.fullmatch(command) is None:
        raise ValueError("AGI command words must be letters separated by single spaces")
    line = " ".join([command, *(_quote(argument) for argument in arguments)]) + "\n"
    encoded = line.encode("utf-8")
    if len(encoded) > _MAX_COMMAND_BYTES:
        raise ValueError(f"AGI command longer than {_MAX_COMMAND_BYTES} bytes")
    return encoded


def _quote(argument: str) -> str:
    if argument and not _NEEDS_QUOTES.intersection(argument):
        return argument
    escaped = argument.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
