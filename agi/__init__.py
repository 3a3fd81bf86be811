"""FastAGI for Asterisk on asyncio: a sans-I/O protocol parser, a per-call session, a server."""

from agi.errors import AgiCommandError, AgiError, AgiHangup, AgiProtocolError, AgiTimeout
from agi.events import AgiClosed, AgiEvent, AgiHangupNotice, AgiHeaders, AgiReply
from agi.observer import AgiObserver, SessionOutcome
from agi.protocol import AgiParser, format_command
from agi.server import AgiServer, Handler
from agi.session import AgiSession, ByteSink, Inbound

__all__ = [
    "AgiClosed",
    "AgiCommandError",
    "AgiError",
    "AgiEvent",
    "AgiHangup",
    "AgiHangupNotice",
    "AgiHeaders",
    "AgiObserver",
    "AgiParser",
    "AgiProtocolError",
    "AgiReply",
    "AgiServer",
    "AgiSession",
    "AgiTimeout",
    "ByteSink",
    "Handler",
    "Inbound",
    "SessionOutcome",
    "format_command",
]
