"""Adviser actions (login, pause with a reason, resume, logout) from the API, the desk, the supervisor and the
phone's feature codes: the desired state in PostgreSQL (the truth every node applies, docs/agents.md) and this
node's Asterisk, together.

One action is one transaction: the adviser's `agent_presence` row is locked, set, its history row written and
`NOTIFY allo_agents` queued; then this node's Asterisk carries the action out (as before); then the transaction
commits, and every node's reconciler applies the new state to its own Asterisk.
- PostgreSQL unreachable or too slow (`db_timeout`) before Asterisk was asked: nothing is done, `NotRecorded`.
- Asterisk refuses (`NotPossibleNow`) or cannot be reached (`AcdError`): the transaction rolls back, nothing is
  recorded, no node changes anything.
- The commit fails after Asterisk did it: this node is put back as the desired state still says (the action is
  undone here, best effort; the reconciler finishes the job) and `NotRecorded` says so: never half-done silently.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from acd import agents as ops
from acd.agents import AgentAction, Membership
from acd.ami.client import AmiClient
from acd.ami.errors import AmiActionFailed
from acd.errors import AcdError
from acd.live.state import LiveState
from allo.agents import presence
from allo.agents.history import insert_state
from allo.agents.presence import Wish
from allo.agents.reconciler import Action, Desired, Member, diff
from allo.agents.steps import carry_out_all
from allo.db.desk_models import AgentStateKind, StateSource
from allo.db.models import Agent, AgentQueue, Queue
from allo.errors import AlloError

log = logging.getLogger(__name__)
T = TypeVar("T")

CHANNEL_NAME = re.compile(r"^PJSIP/([a-z0-9][a-z0-9_-]{0,62})-[0-9a-f]+$")


class UnknownAgent(AlloError):
    """No enabled agent by that name."""


class NotPossibleNow(AlloError):
    """The agent's state does not allow the action (no queue to log in to; a pause or resume for an adviser who is
    not logged in; Asterisk refused it)."""


class NotRecorded(AlloError):
    """PostgreSQL did not record the adviser's desired state: the action was not done (or was undone here)."""


@dataclass
class AgentOperations:
    """What an adviser action needs on this node; built once by the service."""

    engine: AsyncEngine
    ami: AmiClient
    live: LiveState
    node: str | None = None  # ALLO_NODE_NAME: who set the desired state
    db_timeout: float = 5.0
    # One change of advisers' state at a time on this node: an action and the reconciler never interleave, so the
    # reconciler never applies a desired state read before an action that this node then carried out.
    changing: asyncio.Lock = field(default_factory=asyncio.Lock)


AGENT_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")  # the names allo/setup/asterisk_conf.py accepts


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


def next_wish(username: str, before: Wish, action: AgentAction, reason: str) -> Wish:
    """The desired state after `action` (pure)."""
    if action is AgentAction.LOGIN:
        return Wish(True)
    if action is AgentAction.LOGOUT:
        return Wish(False)
    if not before.logged_in:
        raise NotPossibleNow(f"agent {username} is not logged in: nothing to {action.value}")
    return Wish(True, True, reason or "pause") if action is AgentAction.PAUSE else Wish(True)


def _wish_of_live(live: LiveState, username: str) -> Wish:
    """What an adviser allo never acted for has on this node (the first action makes them managed)."""
    state = agent_states(live, [username])[0]
    own_pause = state["paused"] and not state["in_wrapup"]
    return Wish(state["logged_in"], own_pause, state["pause_reason"] if own_pause else "")


async def _db(timeout: float, step: Awaitable[T]) -> T:
    try:
        async with asyncio.timeout(timeout):
            return await step
    except (AlloError, AcdError):
        raise
    except Exception as exc:  # PostgreSQL away, too slow, or refusing: the action must not go on
        raise NotRecorded(f"the database did not record it ({type(exc).__name__}): nothing was changed") from exc


async def perform(agents: AgentOperations, username: str, action: AgentAction, *, source: StateSource,
                  actor: str | None = None, reason: str = "") -> dict[str, Any]:
    """Carry out one adviser action (see the module's doc); returns the adviser's queues afterwards as seen by
    allo. `actor` asked, from `source`: the history row says so."""
    if not AGENT_NAME.fullmatch(username):  # a name no agent can have (a NUL byte) never reaches the database
        raise UnknownAgent(f"no enabled agent {username!r}")
    async with agents.changing:
        try:
            async with agents.engine.connect() as conn:
                return await _recorded(agents, conn, username, action, source=source, actor=actor, reason=reason)
        except (AlloError, AcdError):
            raise
        except Exception as exc:  # the connection itself failed (opening, or closing after a failed commit)
            raise NotRecorded(f"the database did not record it ({type(exc).__name__}): nothing was changed") \
                from exc


async def _recorded(agents: AgentOperations, conn: AsyncConnection, username: str, action: AgentAction, *,
                    source: StateSource, actor: str | None, reason: str) -> dict[str, Any]:
    timeout = agents.db_timeout
    transaction = await _db(timeout, conn.begin())
    found = await _db(timeout, presence.agent_and_queues(conn, username))
    if found is None:
        raise UnknownAgent(f"no enabled agent {username!r}")
    agent_id, served = found
    before = await _db(timeout, presence.lock(conn, agent_id)) or _wish_of_live(agents.live, username)
    after = next_wish(username, before, action, reason)
    await _db(timeout, presence.write(conn, agent_id, username, after, by=actor, node=agents.node))
    pause_reason = after.reason if action is AgentAction.PAUSE else None
    await _db(timeout, insert_state(conn, username, AgentStateKind(action.value), source, actor=actor,
                                    reason=pause_reason))
    try:
        result = await _apply(agents.ami, agents.live, username, action, served=served, reason=after.reason)
    except AmiActionFailed as exc:
        raise NotPossibleNow(f"Asterisk refused to {action.value} agent {username}: "
                             f"{exc.response.message or 'no reason given'}") from exc
    try:
        await _db(timeout, transaction.commit())
    except NotRecorded:
        await _undo(agents.ami, username, before, after, served)
        raise
    return result


def undo_actions(username: str, before: Wish, after: Wish, served: list[Membership]) -> list[Action]:
    """What puts this node back to `before` from what an action that set `after` has just made of it (pure)."""
    made = {m.queue: Member(m.queue, after.paused, after.reason, m.penalty) for m in served} if after.logged_in \
        else {}
    return diff(Desired(username, before.logged_in, before.paused, before.reason, tuple(served)), made)


async def _undo(ami: AmiClient, username: str, before: Wish, after: Wish, served: list[Membership]) -> None:
    try:
        done, refused = await carry_out_all(ami, undo_actions(username, before, after, served))
    except AcdError as exc:
        log.warning("adviser %s: action not recorded and not undone (%s): the reconciler will", username, exc)
        return
    log.warning("adviser %s: action not recorded, undone on this node (%d steps, %d refused)", username, done,
                refused)


async def _apply(ami: AmiClient, live: LiveState, username: str, action: AgentAction, *,
                 served: list[Membership], reason: str) -> dict[str, Any]:
    if action is AgentAction.LOGIN:
        if not served:
            raise NotPossibleNow(f"agent {username} serves no queue: nothing to log in to")
        queues = await ops.login(ami, username, served)
    elif action is AgentAction.LOGOUT:
        queues = await ops.logout(ami, username, sorted({m.queue for m in served} | set(queues_of(live, username))))
    elif action is AgentAction.PAUSE:
        await ops.pause(ami, username, reason)
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
