"""Typed AMI events and responses (frozen dataclasses). Built by :mod:`acd.ami.events`.

Privacy: callers are anonymous, so no type here has a field for a caller's number or name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import TypeAlias


class DeviceState(IntEnum):
    """Asterisk device state, as reported in the ``Status`` field of queue member events."""

    UNKNOWN = 0
    NOT_INUSE = 1
    INUSE = 2
    BUSY = 3
    INVALID = 4
    UNAVAILABLE = 5
    RINGING = 6
    RINGINUSE = 7
    ONHOLD = 8

    @classmethod
    def from_int(cls, value: int) -> DeviceState:
        try:
            return cls(value)
        except ValueError:
            return cls.UNKNOWN


@dataclass(frozen=True, slots=True)
class FullyBooted:
    status: str = ""


@dataclass(frozen=True, slots=True)
class QueueCallerJoin:
    queue: str
    uniqueid: str
    linkedid: str
    channel: str
    position: int
    count: int


@dataclass(frozen=True, slots=True)
class QueueCallerLeave:
    queue: str
    uniqueid: str
    channel: str
    position: int
    count: int


@dataclass(frozen=True, slots=True)
class QueueCallerAbandon:
    queue: str
    uniqueid: str
    position: int
    original_position: int
    holdtime: int


@dataclass(frozen=True, slots=True)
class AgentCalled:
    queue: str
    uniqueid: str
    interface: str
    member_name: str


@dataclass(frozen=True, slots=True)
class AgentConnect:
    queue: str
    uniqueid: str
    linkedid: str
    interface: str
    member_name: str
    holdtime: int
    ringtime: int
    dest_channel: str


@dataclass(frozen=True, slots=True)
class AgentComplete:
    queue: str
    uniqueid: str
    interface: str
    member_name: str
    holdtime: int
    talktime: int
    reason: str


@dataclass(frozen=True, slots=True)
class AgentRingNoAnswer:
    queue: str
    uniqueid: str
    interface: str
    member_name: str
    ringtime: int


@dataclass(frozen=True, slots=True)
class MemberEventBase:
    """Fields shared by the ``QueueMember*`` events and the ``QueueMember`` status item."""

    queue: str
    interface: str
    member_name: str
    status: int
    paused: bool
    reason: str
    in_call: bool
    calls_taken: int
    penalty: int = 0

    @property
    def device_state(self) -> DeviceState:
        return DeviceState.from_int(self.status)


@dataclass(frozen=True, slots=True)
class QueueMemberAdded(MemberEventBase):
    pass


@dataclass(frozen=True, slots=True)
class QueueMemberRemoved(MemberEventBase):
    pass


@dataclass(frozen=True, slots=True)
class QueueMemberPause(MemberEventBase):
    pass


@dataclass(frozen=True, slots=True)
class QueueMemberStatus(MemberEventBase):
    pass


@dataclass(frozen=True, slots=True)
class QueueMember(MemberEventBase):
    """One member, as listed by the ``QueueStatus`` action."""


@dataclass(frozen=True, slots=True)
class Hangup:
    uniqueid: str
    linkedid: str
    channel: str
    cause: int


@dataclass(frozen=True, slots=True)
class QueueParams:
    """One queue, as listed by the ``QueueStatus`` action."""

    queue: str
    max: int
    strategy: str
    calls: int
    holdtime: int
    talktime: int
    completed: int
    abandoned: int
    service_level: int
    service_level_perf: float


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """One waiting caller, as listed by the ``QueueStatus`` action."""

    queue: str
    uniqueid: str
    channel: str
    position: int
    wait: int


@dataclass(frozen=True, slots=True)
class PreferredAgentAnswer:
    """Our dialplan's ``UserEvent(AlloPreferredAnswer)``: a repeat caller's former adviser took the call."""

    call_id: str
    queue: str
    agent: str
    channel: str = ""  # the adviser's channel (the UserEvent runs on it, in Dial's U() subroutine)


@dataclass(frozen=True, slots=True)
class QueueStatusComplete:
    list_items: int = 0


@dataclass(frozen=True, slots=True)
class UnknownEvent:
    """Any other event; ``fields`` are the raw headers minus the caller-identifying ones."""

    name: str
    fields: dict[str, str] = field(default_factory=dict)


AmiEvent: TypeAlias = (
    FullyBooted
    | QueueCallerJoin
    | QueueCallerLeave
    | QueueCallerAbandon
    | AgentCalled
    | AgentConnect
    | AgentComplete
    | AgentRingNoAnswer
    | QueueMemberAdded
    | QueueMemberRemoved
    | QueueMemberPause
    | QueueMemberStatus
    | QueueMember
    | Hangup
    | QueueParams
    | QueueEntry
    | QueueStatusComplete
    | PreferredAgentAnswer
    | UnknownEvent
)


@dataclass(frozen=True, slots=True)
class AmiResponse:
    """The ``Response:`` frame answering an action."""

    success: bool
    message: str
    fields: dict[str, str] = field(default_factory=dict)
