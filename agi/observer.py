"""How a session ended, and the hooks through which the app collects metrics about sessions."""

from __future__ import annotations

import enum
import logging
from typing import Protocol

_log = logging.getLogger(__name__)


class SessionOutcome(enum.Enum):
    """How one FastAGI connection ended. Values are stable, usable as metric labels."""

    COMPLETED = "completed"  # the handler returned
    HANGUP = "hangup"  # the caller hung up or Asterisk closed the connection
    PROTOCOL_ERROR = "protocol_error"  # malformed or premature input
    TIMEOUT = "timeout"  # headers or a reply did not arrive in time
    HANDLER_ERROR = "handler_error"  # the handler raised
    NO_ROUTE = "no_route"  # no handler for agi_network_script
    CANCELLED = "cancelled"  # the server stopped before the session finished


class AgiObserver(Protocol):
    """Receives session and command measurements; must be fast and must not block.

    ``session_started`` is called when a connection is accepted and ``session_ended`` exactly once
    for each of them, whatever the outcome, so the two can drive an in-progress gauge.
    ``command_done`` is called for every command that got a reply, refusals included.
    """

    def session_started(self) -> None: ...

    def session_ended(self, outcome: SessionOutcome, seconds: float) -> None: ...

    def command_done(self, command: str, seconds: float) -> None: ...


class GuardedObserver:
    """Wraps an observer so that a bug in it is logged instead of breaking a call."""

    def __init__(self, inner: AgiObserver | None) -> None:
        self._inner = inner

    def session_started(self) -> None:
        if self._inner is not None:
            try:
                self._inner.session_started()
            except Exception:
                _log.exception("AGI observer failed in session_started")

    def session_ended(self, outcome: SessionOutcome, seconds: float) -> None:
        if self._inner is not None:
            try:
                self._inner.session_ended(outcome, seconds)
            except Exception:
                _log.exception("AGI observer failed in session_ended")

    def command_done(self, command: str, seconds: float) -> None:
        if self._inner is not None:
            try:
                self._inner.command_done(command, seconds)
            except Exception:
                _log.exception("AGI observer failed in command_done")
