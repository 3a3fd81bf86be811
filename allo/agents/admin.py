"""Create, change and disable agents; publish their PJSIP endpoints to the running Asterisk without a restart.

Choice (docs/agents.md): generated `pjsip_agents.conf` + AMI `Reload res_pjsip.so`, not realtime.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from acd.agents import Membership
from acd.ami.client import AmiClient
from allo.agents.presence import CHANNEL
from allo.db.models import Agent, AgentQueue, Queue
from allo.db.seed import new_sip_password, password_digest
from allo.errors import ConfigError
from allo.setup.asterisk import AsteriskInstance
from allo.setup.asterisk_conf import asterisk_inputs, render_agents


class AgentConflict(ConfigError):
    """The agent already exists, or does not."""


async def _set_memberships(session: AsyncSession, agent: Agent, memberships: Sequence[Membership]) -> None:
    names = {m.queue for m in memberships}
    queues = {q.name: q for q in (await session.scalars(select(Queue).where(Queue.name.in_(names)))).all()}
    unknown = sorted(names - set(queues))
    if unknown:
        raise ConfigError(f"unknown queue(s): {', '.join(unknown)}")
    await session.execute(delete(AgentQueue).where(AgentQueue.agent_id == agent.id))
    session.add_all(AgentQueue(agent_id=agent.id, queue_id=queues[m.queue].id, penalty=m.penalty)
                    for m in memberships)


async def create_agent(engine: AsyncEngine, username: str, display_name: str,
                       memberships: Sequence[Membership]) -> str:
    """Returns the SIP password, shown once (only its digest is stored)."""
    password = new_sip_password()
    async with AsyncSession(engine, expire_on_commit=False) as session:
        if await session.scalar(select(Agent.id).where(Agent.username == username)) is not None:
            raise AgentConflict(f"agent {username!r} already exists")
        agent = Agent(username=username, display_name=display_name, enabled=True,
                      password_digest=password_digest(username, password))
        session.add(agent)
        await session.flush()
        await _set_memberships(session, agent, memberships)
        # Every node publishes the new endpoint (the reconciler's round, docs/scaling.md), not only this one.
        await session.execute(select(func.pg_notify(CHANNEL, username)))
        await session.commit()
    return password


async def update_agent(engine: AsyncEngine, username: str, *, display_name: str | None = None,
                       memberships: Sequence[Membership] | None = None, enabled: bool | None = None,
                       reset_password: bool = False) -> str | None:
    """Returns a new SIP password when one was asked for."""
    async with AsyncSession(engine) as session:
        agent = await session.scalar(select(Agent).where(Agent.username == username))
        if agent is None:
            raise AgentConflict(f"no agent {username!r}")
        password = new_sip_password() if reset_password else None
        if password is not None:
            agent.password_digest = password_digest(username, password)
        if display_name is not None:
            agent.display_name = display_name
        if enabled is not None:
            agent.enabled = enabled
        if memberships is not None:
            await _set_memberships(session, agent, memberships)
        if memberships is not None or enabled is not None or display_name is not None:  # every node applies it
            await session.execute(select(func.pg_notify(CHANNEL, username)))
        await session.commit()
    return password


async def publish_agents(engine: AsyncEngine, ami: AmiClient, instance: AsteriskInstance | None,
                         sip_proxy: str = "") -> bool:
    """Rewrite pjsip_agents.conf from the enabled agents and have Asterisk reload PJSIP over AMI (`sip_proxy`:
    the node's ALLO_SIP_PROXY, advisers then reached through it)."""
    if instance is None:
        return False
    async with AsyncSession(engine) as session:
        _, agents = await asterisk_inputs(session)
    instance.write_conf("pjsip_agents.conf", render_agents(agents, sip_proxy))
    await ami.action("Reload", {"Module": "res_pjsip.so"})
    return True


async def follow_agents(engine: AsyncEngine, ami: AmiClient, instance: AsteriskInstance | None,
                        sip_proxy: str = "") -> bool:
    """On a node of a cluster, agents created or changed through the other node's API: rewrite this node's
    pjsip_agents.conf and reload PJSIP when what PostgreSQL says differs from the file; True when it did."""
    if instance is None or not ami.connected:
        return False
    async with AsyncSession(engine) as session:
        _, agents = await asterisk_inputs(session)
    text = render_agents(agents, sip_proxy)
    current = instance.host_path(f"{instance.etc_dir}/pjsip_agents.conf")
    if current.exists() and current.read_text() == text:
        return False
    return await publish_agents(engine, ami, instance, sip_proxy)
