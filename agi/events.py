"""Typed events produced by :class:`agi.protocol.AgiParser` from the bytes Asterisk sends."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeAlias


@dataclass(frozen=True)
class AgiHeaders:
    """The ``agi_xxx: value`` block Asterisk sends first; emitted once, after its blank line."""

    env: Mapping[str, str]


@dataclass(frozen=True)
class AgiReply:
    """One reply to a command, e.g. ``200 result=1 (timeout) endpos=1234``.

    ``result`` is the text after ``result=`` ("" when absent, as in ``510 Invalid or unknown
    command``), ``data`` the text between the parentheses (None when there are none), ``extras``
    the ``key=value`` words after it (``endpos``). ``raw`` is the whole line; for a multi-line
    ``520-`` usage reply, all its lines joined with ``\\n``.
    """

    code: int
    result: str
    data: str | None
    extras: Mapping[str, str]
    raw: str

    @property
    def text(self) -> str:
        """What follows the code on the (first) line, e.g. ``Invalid or unknown command``."""
        return self.raw.split("\n", 1)[0][4:]


@dataclass(frozen=True)
class AgiHangupNotice:
    """The out-of-band ``HANGUP`` line FastAGI sends when the channel hangs up.

    It is not a reply: the reply to a pending command, if any, still follows (or precedes) it.
    """


@dataclass(frozen=True)
class AgiClosed:
    """Asterisk closed the connection (EOF)."""


AgiEvent: TypeAlias = AgiHeaders | AgiReply | AgiHangupNotice | AgiClosed
