"""Agent states over AMI: log in (added paused, then made available), pause with a reason, resume, log out.

The same operations serve the API and the phone's feature codes. Which queues an agent serves (and with which
penalty) comes from PostgreSQL; Asterisk's queue membership is the live truth read back through AMI events.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from acd.ami.client import AmiClient
from acd.ami.errors import AmiActionFailed


class AgentAction(enum.StrEnum):
    LOGIN = "login"
    LOGOUT = "logout"
    PAUSE = "pause"
    RESUME = "resume"


@dataclass(frozen=True)
class Membership:
    queue: str
    penalty: int = 0


def interface_of(username: str) -> str:
    return f"PJSIP/{username}"


def _already(exc: AmiActionFailed, *words: str) -> bool:
    message = exc.response.message.lower()
    return any(word in message for word in words)


async def login(ami: AmiClient, username: str, memberships: Sequence[Membership]) -> list[str]:
    """Join every queue paused (no call can land half-way), then unpause everywhere at once."""
    interface = interface_of(username)
    for membership in memberships:
        try:
            await ami.queue_add(membership.queue, interface, username, paused=True, penalty=membership.penalty,
                                state_interface=interface)
        except AmiActionFailed as exc:
            if not _already(exc, "already there"):
                raise
    await ami.queue_pause(None, interface, False)
    return [m.queue for m in memberships]


async def logout(ami: AmiClient, username: str, queues: Sequence[str]) -> list[str]:
    removed = []
    for queue in queues:
        try:
            await ami.queue_remove(queue, interface_of(username))
            removed.append(queue)
        except AmiActionFailed as exc:
            if not _already(exc, "not there", "unable to remove"):
                raise
    return removed


async def pause(ami: AmiClient, username: str, reason: str) -> None:
    await ami.queue_pause(None, interface_of(username), True, reason)


async def resume(ami: AmiClient, username: str) -> None:
    await ami.queue_pause(None, interface_of(username), False)
