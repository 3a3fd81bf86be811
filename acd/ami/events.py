"""Typed AMI events and responses, built from raw header mappings by pure functions.

Privacy: callers are anonymous. Typed events never carry ``CallerIDNum``/``CallerIDName``/
``ConnectedLineNum``/``ConnectedLineName`` (nor their ``Dest`` variants), and the raw fields kept by
:class:`UnknownEvent` and :class:`AmiResponse` are scrubbed of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from acd.ami.event_types import (
    AgentCalled,
    AgentComplete,
    AgentConnect,
    AgentRingNoAnswer,
    AmiEvent,
    AmiResponse,
    DeviceState,
    FullyBooted,
    Hangup,
    MemberEventBase,
    PreferredAgentAnswer,
    QueueCallerAbandon,
    QueueCallerJoin,
    QueueCallerLeave,
    QueueEntry,
    QueueMember,
    QueueMemberAdded,
    QueueMemberPause,
    QueueMemberRemoved,
    QueueMemberStatus,
    QueueParams,
    QueueStatusComplete,
    UnknownEvent,
)
from acd.ami.fields import Fields, scrub

__all__ = [
    "SUBSCRIBED_EVENTS",
    "AgentCalled",
    "AgentComplete",
    "AgentConnect",
    "AgentRingNoAnswer",
    "AmiEvent",
    "AmiResponse",
    "DeviceState",
    "FullyBooted",
    "Hangup",
    "MemberEventBase",
    "PreferredAgentAnswer",
    "QueueCallerAbandon",
    "QueueCallerJoin",
    "QueueCallerLeave",
    "QueueEntry",
    "QueueMember",
    "QueueMemberAdded",
    "QueueMemberPause",
    "QueueMemberRemoved",
    "QueueMemberStatus",
    "QueueParams",
    "QueueStatusComplete",
    "UnknownEvent",
    "parse_event",
    "parse_response",
]

_SUCCESS_RESPONSES = frozenset({"success", "follows", "goodbye"})


def parse_response(fields: Mapping[str, str]) -> AmiResponse:
    """Type a ``Response:`` frame (``Success``/``Follows``/``Goodbye`` count as success)."""
    view = Fields(fields)
    return AmiResponse(
        success=view.text("Response").lower() in _SUCCESS_RESPONSES,
        message=view.text("Message"),
        fields=scrub(fields),
    )


def parse_event(fields: Mapping[str, str]) -> AmiEvent:
    """Type an ``Event:`` frame. Never raises: odd input gives zeros, unknown names an UnknownEvent."""
    view = Fields(fields)
    name = view.text("Event")
    parser = _PARSERS.get(name.lower())
    if name.lower() == "userevent":
        parser = _USER_EVENTS.get(view.text("UserEvent").lower())
    if parser is None:
        return UnknownEvent(name=name, fields=scrub(fields))
    return parser(view)


_M = TypeVar("_M", bound=MemberEventBase)


def _member(cls: type[_M], f: Fields) -> _M:
    # QueueStatus items name them Name/Location; QueueMember* events MemberName/Interface.
    return cls(
        queue=f.text("Queue"),
        interface=f.text("Interface", "Location"),
        member_name=f.text("MemberName", "Name"),
        status=f.integer("Status"),
        paused=f.flag("Paused"),
        reason=f.text("PausedReason", "Reason"),
        in_call=f.flag("InCall"),
        calls_taken=f.integer("CallsTaken"),
        penalty=f.integer("Penalty"),
    )


def _caller_join(f: Fields) -> QueueCallerJoin:
    return QueueCallerJoin(
        queue=f.text("Queue"),
        uniqueid=f.text("Uniqueid"),
        linkedid=f.text("Linkedid"),
        channel=f.text("Channel"),
        position=f.integer("Position"),
        count=f.integer("Count"),
    )


def _caller_leave(f: Fields) -> QueueCallerLeave:
    return QueueCallerLeave(
        queue=f.text("Queue"),
        uniqueid=f.text("Uniqueid"),
        channel=f.text("Channel"),
        position=f.integer("Position"),
        count=f.integer("Count"),
    )


def _caller_abandon(f: Fields) -> QueueCallerAbandon:
    return QueueCallerAbandon(
        queue=f.text("Queue"),
        uniqueid=f.text("Uniqueid"),
        position=f.integer("Position"),
        original_position=f.integer("OriginalPosition"),
        holdtime=f.integer("HoldTime"),
    )


def _agent_called(f: Fields) -> AgentCalled:
    return AgentCalled(
        queue=f.text("Queue"),
        uniqueid=f.text("Uniqueid"),
        interface=f.text("Interface"),
        member_name=f.text("MemberName"),
    )


def _agent_connect(f: Fields) -> AgentConnect:
    return AgentConnect(
        queue=f.text("Queue"),
        uniqueid=f.text("Uniqueid"),
        linkedid=f.text("Linkedid"),
        interface=f.text("Interface"),
        member_name=f.text("MemberName"),
        holdtime=f.integer("HoldTime"),
        ringtime=f.integer("RingTime"),
        dest_channel=f.text("DestChannel"),
    )


def _agent_complete(f: Fields) -> AgentComplete:
    return AgentComplete(
        queue=f.text("Queue"),
        uniqueid=f.text("Uniqueid"),
        interface=f.text("Interface"),
        member_name=f.text("MemberName"),
        holdtime=f.integer("HoldTime"),
        talktime=f.integer("TalkTime"),
        reason=f.text("Reason"),
    )


def _agent_ring_no_answer(f: Fields) -> AgentRingNoAnswer:
    return AgentRingNoAnswer(
        queue=f.text("Queue"),
        uniqueid=f.text("Uniqueid"),
        interface=f.text("Interface"),
        member_name=f.text("MemberName"),
        ringtime=f.integer("RingTime"),
    )


def _hangup(f: Fields) -> Hangup:
    return Hangup(
        uniqueid=f.text("Uniqueid"),
        linkedid=f.text("Linkedid"),
        channel=f.text("Channel"),
        cause=f.integer("Cause"),
    )


def _queue_params(f: Fields) -> QueueParams:
    return QueueParams(
        queue=f.text("Queue"),
        max=f.integer("Max"),
        strategy=f.text("Strategy"),
        calls=f.integer("Calls"),
        holdtime=f.integer("Holdtime"),
        talktime=f.integer("TalkTime"),
        completed=f.integer("Completed"),
        abandoned=f.integer("Abandoned"),
        service_level=f.integer("ServiceLevel"),
        service_level_perf=f.decimal("ServicelevelPerf"),
    )


def _queue_entry(f: Fields) -> QueueEntry:
    return QueueEntry(
        queue=f.text("Queue"),
        uniqueid=f.text("Uniqueid"),
        channel=f.text("Channel"),
        position=f.integer("Position"),
        wait=f.integer("Wait"),
    )


# UserEvent names raised by our dialplan; any other UserEvent stays an UnknownEvent.
PREFERRED_ANSWER = "AlloPreferredAnswer"


def _preferred_answer(f: Fields) -> PreferredAgentAnswer:
    return PreferredAgentAnswer(call_id=f.text("Call"), queue=f.text("Queue"), agent=f.text("Agent"),
                                channel=f.text("Channel"))


_PARSERS: dict[str, Callable[[Fields], AmiEvent]] = {
    "fullybooted": lambda f: FullyBooted(status=f.text("Status")),
    "queuecallerjoin": _caller_join,
    "queuecallerleave": _caller_leave,
    "queuecallerabandon": _caller_abandon,
    "agentcalled": _agent_called,
    "agentconnect": _agent_connect,
    "agentcomplete": _agent_complete,
    "agentringnoanswer": _agent_ring_no_answer,
    "queuememberadded": lambda f: _member(QueueMemberAdded, f),
    "queuememberremoved": lambda f: _member(QueueMemberRemoved, f),
    "queuememberpause": lambda f: _member(QueueMemberPause, f),
    # Asterisk before 12 called it QueueMemberPaused.
    "queuememberpaused": lambda f: _member(QueueMemberPause, f),
    "queuememberstatus": lambda f: _member(QueueMemberStatus, f),
    "queuemember": lambda f: _member(QueueMember, f),
    "hangup": _hangup,
    "queueparams": _queue_params,
    "queueentry": _queue_entry,
    "queuestatuscomplete": lambda f: QueueStatusComplete(list_items=f.integer("ListItems")),
}
_USER_EVENTS: dict[str, Callable[[Fields], AmiEvent]] = {PREFERRED_ANSWER.lower(): _preferred_answer}

#: The unsolicited events allo acts on: the service's AMI session asks Asterisk (AMI ``Filter``) for these only.
#: List-action answers (QueueStatus items, DBGetResponse, CoreShowChannel...) are not events of the session's
#: queue and are never filtered. Everything else (Newchannel, Newstate, Bridge*, Dial*, MusicOnHold*...) is
#: most of the AMI traffic of a call and would cost the FastAGI event loop parsing it for nothing.
SUBSCRIBED_EVENTS: tuple[str, ...] = (
    "FullyBooted", "Shutdown", "QueueCallerJoin", "QueueCallerLeave", "QueueCallerAbandon", "AgentCalled",
    "AgentConnect", "AgentComplete", "AgentRingNoAnswer", "QueueMemberAdded", "QueueMemberRemoved",
    "QueueMemberPause", "QueueMemberStatus", "Hangup", "UserEvent",
)
