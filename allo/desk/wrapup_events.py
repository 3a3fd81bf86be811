"""What the wrap-up manager reads from AMI events and the live state (pure: no I/O, tested without a network).

A call starts for an adviser when a queue connects them (`AgentConnect`: queue calls, transferred calls, and the
waiting Local half of a callback) or when a repeat caller's former adviser answers the direct ring
(`PreferredAgentAnswer`). It ends with `AgentComplete` (any reason, a blind transfer included: the call ends for
that adviser) or, for the direct ring that no queue follows, the hang-up of the call or of the adviser's channel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from acd.ami.event_types import AgentComplete, AgentConnect, AmiEvent, DeviceState, Hangup, PreferredAgentAnswer
from acd.live.state import QueueLive
from acd.wrapup import is_wrapup

BUSY = frozenset({DeviceState.INUSE, DeviceState.BUSY, DeviceState.RINGINUSE, DeviceState.ONHOLD})


@dataclass(frozen=True, slots=True)
class CallPhase:
    call_id: str
    queue: str
    agent: str  # the agent's username (its PJSIP endpoint and queue member name)
    answered: bool  # True: the call starts for the adviser; False: it ends for them

    @property
    def interface(self) -> str:
        return interface_of(self.agent)


def interface_of(agent: str) -> str:
    return f"PJSIP/{agent}"


def agent_of(interface: str, member_name: str = "") -> str:
    """The agent of a queue member: its member name, else its PJSIP endpoint."""
    return member_name or interface.split("/", 1)[-1]


def call_phase(event: AmiEvent, direct: Mapping[str, CallPhase]) -> CallPhase | None:
    """The start or the end of an adviser's call this event says; `direct`: the direct rings in progress, by call."""
    if isinstance(event, AgentConnect):
        return CallPhase(event.uniqueid, event.queue, agent_of(event.interface, event.member_name), True)
    if isinstance(event, AgentComplete):
        return CallPhase(event.uniqueid, event.queue, agent_of(event.interface, event.member_name), False)
    if isinstance(event, PreferredAgentAnswer) and event.call_id and event.agent:
        return CallPhase(event.call_id, event.queue, event.agent, True)
    if isinstance(event, Hangup):
        ring = direct.get(event.uniqueid) or direct.get(event.linkedid)
        if ring is None:
            return None
        if event.uniqueid == ring.call_id or event.channel.startswith(f"{ring.interface}-"):
            return CallPhase(ring.call_id, ring.queue, ring.agent, False)
    return None


@dataclass(frozen=True, slots=True)
class MemberPause:
    """An adviser's pause as the live state shows it, over all their queues."""

    known: bool  # a member of at least one queue
    paused: bool
    reason: str  # the wrap-up reason when one queue shows it, else the first paused queue's
    own: bool  # paused with a reason that is not a wrap-up one: the adviser's own, never lifted by allo
    in_call: bool  # in a queue call, or their phone in use (a direct ring is no queue call)


def member_pause(queues: Mapping[str, QueueLive], interface: str) -> MemberPause:
    members = [queue.members[interface] for queue in queues.values() if interface in queue.members]
    paused = [member for member in members if member.paused]
    wrapups = [member.reason for member in paused if is_wrapup(member.reason)]
    own = any(not is_wrapup(member.reason) for member in paused)
    reason = wrapups[0] if wrapups else (paused[0].reason if paused else "")
    in_call = any(member.in_call or member.status in BUSY for member in members)
    return MemberPause(bool(members), bool(paused), reason, own, in_call)


def paused_members(queues: Mapping[str, QueueLive]) -> dict[str, str]:
    """Interface → member name of every paused member (once per adviser, whatever their number of queues)."""
    return {interface: member.name for queue in queues.values() for interface, member in queue.members.items()
            if member.paused}
