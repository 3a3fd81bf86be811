"""The advisers' desired state in PostgreSQL (`agent_presence`, docs/agents.md): read by every node's reconciler,
written by an adviser's action in the same transaction as its history row, announced with `NOTIFY allo_agents`
(payload: the username)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from acd.agents import Membership
from allo.agents.reconciler import Desired
from allo.db.cluster_models import AgentPresence
from allo.db.models import Agent, AgentQueue, Queue

CHANNEL = "allo_agents"


@dataclass(frozen=True, slots=True)
class Wish:
    """What an adviser's action sets: logged in or not, paused or not and why."""

    logged_in: bool
    paused: bool = False
    reason: str = ""


async def agent_and_queues(conn: AsyncConnection, username: str) -> tuple[int, list[Membership]] | None:
    """The enabled agent's id and the queues it serves (with penalties); None when there is no such agent."""
    agent_id = await conn.scalar(select(Agent.id).where(Agent.username == username, Agent.enabled))
    if agent_id is None:
        return None
    rows = await conn.execute(select(Queue.name, AgentQueue.penalty).join(AgentQueue)
                              .where(AgentQueue.agent_id == agent_id).order_by(Queue.name))
    return agent_id, [Membership(name, penalty) for name, penalty in rows]


async def lock(conn: AsyncConnection, agent_id: int) -> Wish | None:
    """The current desired state, row locked until the transaction ends (one action per adviser at a time, across
    nodes); None when allo has never acted for this adviser (the row is created, unlocked callers wait on it)."""
    created = await conn.scalar(insert(AgentPresence).values(agent_id=agent_id)
                                .on_conflict_do_nothing().returning(AgentPresence.agent_id))
    row = (await conn.execute(select(AgentPresence.logged_in, AgentPresence.paused, AgentPresence.pause_reason)
                              .where(AgentPresence.agent_id == agent_id).with_for_update())).one()
    return None if created is not None else Wish(row.logged_in, row.paused, row.pause_reason)


async def write(conn: AsyncConnection, agent_id: int, username: str, wish: Wish, *, by: str | None,
                node: str | None) -> None:
    """Set the desired state; every node hears of it when the transaction commits."""
    await conn.execute(update(AgentPresence).where(AgentPresence.agent_id == agent_id).values(
        logged_in=wish.logged_in, paused=wish.paused, pause_reason=wish.reason[:80], updated_at=func.now(),
        updated_by=by, node=node))
    await conn.execute(select(func.pg_notify(CHANNEL, username)))


async def desired_states(engine: AsyncEngine, usernames: Collection[str] | None = None) -> list[Desired]:
    """The desired state of every adviser allo manages (those with a row), or of `usernames` only; a disabled
    adviser serves no queue."""
    query = (select(Agent.id, Agent.username, Agent.enabled, AgentPresence.logged_in, AgentPresence.paused,
                    AgentPresence.pause_reason).join(AgentPresence, AgentPresence.agent_id == Agent.id))
    if usernames is not None:
        query = query.where(Agent.username.in_(sorted(usernames)))
    async with engine.connect() as conn:
        rows = (await conn.execute(query.order_by(Agent.username))).all()
        served: dict[int, list[Membership]] = defaultdict(list)
        if rows:
            memberships = await conn.execute(
                select(AgentQueue.agent_id, Queue.name, AgentQueue.penalty).join(Queue)
                .where(AgentQueue.agent_id.in_([row.id for row in rows])).order_by(Queue.name))
            for agent_id, queue, penalty in memberships:
                served[agent_id].append(Membership(queue, penalty))
    return [Desired(row.username, row.logged_in, row.paused, row.pause_reason,
                    tuple(served[row.id]) if row.enabled else ()) for row in rows]
