"""Exceptions of the ``agi`` package.

Everything raised on purpose by this package derives from :class:`AgiError`, so a handler (or the
server) can catch the whole family at once.
"""

from __future__ import annotations


class AgiError(Exception):
    """Base class of every error raised by the ``agi`` package."""


class AgiProtocolError(AgiError):
    """Asterisk (or whatever is on the other end of the socket) sent something malformed.

    Messages never quote the offending bytes: they may carry caller data.
    """


class AgiHangup(AgiError):
    """The channel hung up, or the AGI connection was closed."""


class AgiTimeout(AgiError):
    """Asterisk did not answer in time. The session is closed and cannot be used any more."""


class AgiCommandError(AgiError):
    """Asterisk refused a command: 510 invalid command, 511 not permitted on a dead channel, 520 usage."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(f"AGI command failed: {code} {text}")
        self.code = code
        self.text = text
