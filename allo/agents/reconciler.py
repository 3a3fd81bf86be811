"""The reconciler's decision (pure): an adviser's desired state (PostgreSQL, `agent_presence`) against this node's
queue members (its Asterisk, through the live state) gives the AMI actions that make them match (docs/agents.md).

- Logged out: removed from every queue this node has them in.
- Logged in: in each queue of `agent_queues` with its penalty, and in no other; a queue added is joined paused (as
  at login, no call lands half-way) and then paused or made available as desired.
- Paused: paused with the desired reason in every queue; available: unpaused in every queue, except when the pause
  is allo's wrap-up after a call (`acd.wrapup`): that pause is not the adviser's and is never lifted here (the
  wrap-up manager lifts it). A desired pause replaces a wrap-up pause, as a pause from the desk does.
- Agents without a row are not given to `diff` at all: Asterisk keeps them as they are.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from acd.agents import Membership, interface_of
from acd.live.state import QueueLive
from acd.wrapup import is_wrapup


@dataclass(frozen=True, slots=True)
class Desired:
    agent: str
    logged_in: bool
    paused: bool = False
    reason: str = ""
    queues: tuple[Membership, ...] = ()  # agent_queues; none when the agent is disabled


@dataclass(frozen=True, slots=True)
class Member:
    """The adviser as one queue of this node's Asterisk has them."""

    queue: str
    paused: bool = False
    reason: str = ""
    penalty: int = 0


class Step(enum.StrEnum):
    ADD = "add"  # QueueAdd, paused
    REMOVE = "remove"  # QueueRemove
    PENALTY = "penalty"  # QueuePenalty
    PAUSE = "pause"  # QueuePause on, with a reason
    UNPAUSE = "unpause"  # QueuePause off


@dataclass(frozen=True, slots=True)
class Action:
    step: Step
    agent: str
    queue: str
    penalty: int = 0
    reason: str = ""


def members_of(queues: Mapping[str, QueueLive], agent: str) -> dict[str, Member]:
    """The adviser's membership on this node, queue by queue, from the live state."""
    interface = interface_of(agent)
    return {name: Member(name, state.paused, state.reason, state.penalty)
            for name, queue in queues.items() if (state := queue.members.get(interface)) is not None}


def diff(desired: Desired, members: Mapping[str, Member]) -> list[Action]:
    """The actions, in order, that bring `members` to `desired` (none when they match)."""
    agent = desired.agent
    wanted = {m.queue: m.penalty for m in desired.queues} if desired.logged_in else {}
    actions = [Action(Step.REMOVE, agent, queue) for queue in sorted(members) if queue not in wanted]
    wrapup = next((m.reason for m in members.values() if m.paused and is_wrapup(m.reason)), "")
    for queue, penalty in sorted(wanted.items()):
        member = members.get(queue)
        if member is None:
            actions.append(Action(Step.ADD, agent, queue, penalty=penalty))
            member = Member(queue, paused=True, reason="", penalty=penalty)
            if wrapup and not desired.paused:  # in wrap-up on this node: the new queue waits for its end too
                actions.append(Action(Step.PAUSE, agent, queue, reason=wrapup))
                continue
        elif member.penalty != penalty:
            actions.append(Action(Step.PENALTY, agent, queue, penalty=penalty))
        actions.extend(_pause(desired, member))
    return actions


def _pause(desired: Desired, member: Member) -> Sequence[Action]:
    if desired.paused:
        if member.paused and member.reason == desired.reason:
            return ()
        return (Action(Step.PAUSE, desired.agent, member.queue, reason=desired.reason),)
    if member.paused and not is_wrapup(member.reason):
        return (Action(Step.UNPAUSE, desired.agent, member.queue),)
    return ()


def plan(desired: Sequence[Desired], queues: Mapping[str, QueueLive]) -> list[Action]:
    """Every managed adviser's actions on this node."""
    return [action for wish in desired for action in diff(wish, members_of(queues, wish.agent))]
