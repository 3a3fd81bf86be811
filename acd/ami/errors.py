"""Errors of the AMI client: all derive from :class:`acd.errors.AcdError`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from acd.errors import AcdError

if TYPE_CHECKING:
    from acd.ami.event_types import AmiResponse


class AmiError(AcdError):
    """Something went wrong talking to the Asterisk Manager Interface."""


class AmiTimeout(AmiError):
    """An AMI operation (connect, action, ping, wait) did not complete in time."""


class AmiNotConnected(AmiError):
    """The AMI connection is not ready, or was lost before the action completed."""


class AmiActionFailed(AmiError):
    """Asterisk answered an action with ``Response: Error``."""

    def __init__(self, action: str, response: AmiResponse) -> None:
        super().__init__(f"AMI action {action} failed: {response.message or 'no message'}")
        self.action = action
        self.response = response
