"""Agent operations for the API and the phone's feature codes: who serves which queue (PostgreSQL) + AMI."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from acd import agents as ops
from acd.agents import AgentAction, Membership
from acd.ami.client import AmiClient
from acd.ami.errors import AmiActionFailed
from acd.live.state import LiveState
from allo.agents.history import record_state
from allo.db.desk_models import AgentStateKind, StateSource
from allo.db.models import Agent, AgentQueue, Queue
from allo.errors import AlloError

CHANNEL_NAME = re.compile(r"^PJSIP/([a-z0-9][a-z0-9_-]{0,62})-[0-9a-f]+$")


class UnknownAgent(AlloError):
    """No enabled agent by that name."""


class NotPossibleNow(AlloError):
    """The agent's state does not allow the action (no queue to log in to; Asterisk refused it, e.g. a pause for an
    agent in no queue)."""


def agent_of_channel(channel: str) -> str | None:
    """'PJSIP/agent1001-0000002a' -> 'agent1001' (the endpoint is the authenticated SIP user)."""
    match = CHANNEL_NAME.match(channel)
    return match.group(1) if match else None


async def memberships(engine: AsyncEngine, username: str) -> list[Membership]:
    async with AsyncSession(engine) as session:
        agent = await session.scalar(select(Agent).where(Agent.username == username, Agent.enabled))
        if agent is None:
            raise UnknownAgent(f"no enabled agent {username!r}")
        rows = await session.execute(select(Queue.name, AgentQueue.penalty).join(AgentQueue)
                                     .where(AgentQueue.agent_id == agent.id).order_by(Queue.name))
        return [Membership(name, penalty) for name, penalty in rows]


def queues_of(live: LiveState, username: str) -> list[str]:
    interface = ops.interface_of(username)
    return sorted(name for name, queue in live.queues.items() if interface in queue.members)


async def perform(engine: AsyncEngine, ami: AmiClient, live: LiveState, username: str, action: AgentAction, *,
                  source: StateSource, actor: str | None = None, reason: str = "") -> dict[str, Any]:
    """Carry out one agent action; returns the agent's queues afterwards as seen by allo.

    Once Asterisk has done it, one row of the adviser-state history says what, who asked (`actor`) and from where
    (`source`); a refused action writes none."""
    served = await memberships(engine, username)
    try:
        result = await _perform(ami, live, username, action, served=served, reason=reason)
    except AmiActionFailed as exc:
        raise NotPossibleNow(f"Asterisk refused to {action.value} agent {username}: "
                             f"{exc.response.message or 'no reason given'}") from exc
    pause_reason = (reason or "pause") if action is AgentAction.PAUSE else None
    await record_state(engine, username, AgentStateKind(action.value), source, actor=actor, reason=pause_reason)
    return result


async def _perform(ami: AmiClient, live: LiveState, username: str, action: AgentAction, *,
                   served: list[Membership], reason: str) -> dict[str, Any]:
    if action is AgentAction.LOGIN:
        if not served:
            raise NotPossibleNow(f"agent {username} serves no queue: nothing to log in to")
        queues = await ops.login(ami, username, served)
    elif action is AgentAction.LOGOUT:
        queues = await ops.logout(ami, username, sorted({m.queue for m in served} | set(queues_of(live, username))))
    elif action is AgentAction.PAUSE:
        await ops.pause(ami, username, reason or "pause")
        queues = queues_of(live, username)
    else:
        await ops.resume(ami, username)
        queues = queues_of(live, username)
    return {"agent": username, "action": action.value, "queues": queues}


def agent_states(live: LiveState, usernames: list[str]) -> list[dict[str, Any]]:
    states = []
    for username in usernames:
        interface = ops.interface_of(username)
        members = {name: q.members[interface] for name, q in live.queues.items() if interface in q.members}
        first = next(iter(members.values()), None)
        states.append({
            "agent": username,
            "logged_in": bool(members),
            "queues": sorted(members),
            "paused": bool(first and first.paused),
            "pause_reason": first.reason if first and first.paused else "",
            # allo's wrap-up pause (docs/desk.md) is work after a call, not a pause of the adviser's own.
            "in_wrapup": bool(first and first.in_wrapup),
            "in_call": bool(first and first.in_call),
            "device": first.status.name.lower() if first else "logged_out",
        })
    return states
