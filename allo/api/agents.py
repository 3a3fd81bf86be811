"""Agents API: state of every agent, and log in / pause / resume / log out (the phone's feature codes do the same)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from acd.agents import AgentAction, Membership
from acd.errors import AcdError
from allo.agents.admin import AgentConflict, create_agent, publish_agents, update_agent
from allo.agents.history_read import CSV_LIMIT, event_document, history_csv, parse_history, read_history
from allo.agents.operations import NotPossibleNow, NotRecorded, UnknownAgent, agent_states, perform
from allo.auth.deps import require
from allo.auth.roles import Principal, Role
from allo.db.desk_models import StateSource
from allo.db.models import Agent
from allo.errors import ConfigError
from allo.records.lookup_params import BadLookup
from allo.service import AlloService

NAME = r"^[a-z0-9][a-z0-9_-]{0,62}$"
LABEL = r"^[\w .'-]{1,80}$"


class MembershipIn(BaseModel):
    queue: str = Field(pattern=NAME)
    penalty: int = Field(default=0, ge=0, le=100)


class AgentIn(BaseModel):
    username: str = Field(pattern=NAME, examples=["agent1010"])
    display_name: str = Field(pattern=LABEL)
    queues: list[MembershipIn] = Field(default_factory=list, max_length=20)


class AgentChange(BaseModel):
    display_name: str | None = Field(default=None, pattern=LABEL)
    queues: list[MembershipIn] | None = Field(default=None, max_length=20)
    enabled: bool | None = None
    reset_password: bool = False


class AgentCreated(BaseModel):
    username: str
    sip_password: str = Field(description="shown once; only its digest is stored")
    published: bool = Field(description="the PJSIP endpoint was reloaded into Asterisk")


class AgentChanged(BaseModel):
    username: str
    sip_password: str | None
    published: bool


FromQ = Annotated[str | None, Query(alias="from", description="AAAA-MM-JJ[ HH:MM], Paris")]
ToQ = Annotated[str | None, Query(description="AAAA-MM-JJ[ HH:MM], Paris (a date: the end of that day)")]
SUPERVISORS = require(Role.SUPERVISOR)
# Agents act on their own state only: the account's extension is the agent's username (its PJSIP endpoint).
ON_AGENTS = require(Role.SUPERVISOR, Role.AGENT)


def check_own(me: Principal, username: str) -> None:
    if me.role is Role.AGENT and me.extension != username:
        raise HTTPException(403, "an agent may only change its own state")


def source_of(me: Principal, username: str) -> StateSource:
    """An adviser acting on themselves is the API; anyone else acting on an adviser is supervising them."""
    return StateSource.API if me.role is Role.AGENT or me.extension == username else StateSource.SUPERVISOR


class PauseIn(BaseModel):
    reason: str = Field(default="pause", min_length=1, max_length=40, pattern=r"^[\w .'-]+$")


def agents_router(service: AlloService) -> APIRouter:
    router = APIRouter(prefix="/api/agents", tags=["agents"])

    @router.get("", summary="Every enabled agent with its live state (queues, paused and why, in a call)")
    async def list_agents(_me: Annotated[Principal, Depends(SUPERVISORS)]) -> list[dict[str, Any]]:
        async with AsyncSession(service.engine) as session:
            names = list((await session.scalars(select(Agent.username).where(Agent.enabled)
                                                .order_by(Agent.username))).all())
        return agent_states(service.live, names)

    @router.get("/history", response_class=Response,
                responses={200: {"content": {"application/json": {}, "text/csv": {}},
                                 "description": "JSON: {events, next_offset}; format=csv: the whole period (RFC "
                                                "4180, UTF-8, French headers)"},
                           422: {"description": "unreadable period or one longer than 31 days (French detail)"}},
                summary="The adviser-state history (log in, pause and why, resume, log out, wrap-up): who asked and "
                        "from where; a period in Paris time (default today, at most 31 days), JSON pages or CSV")
    async def history(_me: Annotated[Principal, Depends(require(Role.SUPERVISOR, Role.OPS))], *,
                      agent: Annotated[str | None, Query(description="an adviser (default: all)")] = None,
                      first: FromQ = None, to: ToQ = None,
                      format: Annotated[str | None, Query(pattern="^(json|csv)$")] = None,
                      limit: Annotated[str | None, Query()] = None,
                      offset: Annotated[str | None, Query()] = None) -> Response:
        try:
            query = parse_history(agent, first, to, limit, offset, now=datetime.now(UTC))
        except BadLookup as exc:
            raise HTTPException(422, str(exc)) from exc
        if format == "csv":
            rows = await read_history(service.engine, query, limit=CSV_LIMIT, offset=0)
            name = f"allo-etats-{query.agent or 'tous'}-{query.start.date()}-{query.end.date()}.csv"
            return Response(history_csv(rows), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})
        rows = await read_history(service.engine, query, limit=query.limit + 1)
        more = len(rows) > query.limit
        body = {"events": [event_document(row) for row in rows[:query.limit]],
                "next_offset": query.offset + query.limit if more else None}
        return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")

    async def publish() -> bool:
        try:
            return await publish_agents(service.engine, service.ami, service.asterisk, service.settings.sip_proxy)
        except (AcdError, OSError) as exc:
            raise HTTPException(503, f"saved, but Asterisk was not updated: {exc}") from exc

    @router.post("", response_model=AgentCreated, status_code=201,
                 summary="Create an agent with its SIP credentials and queues; usable at once, no restart")
    async def create(body: AgentIn, _me: Annotated[Principal, Depends(require(Role.OPS))]) -> AgentCreated:
        try:
            password = await create_agent(service.engine, body.username, body.display_name,
                                          [Membership(m.queue, m.penalty) for m in body.queues])
        except AgentConflict as exc:
            raise HTTPException(409, str(exc)) from exc
        except ConfigError as exc:
            raise HTTPException(422, str(exc)) from exc
        return AgentCreated(username=body.username, sip_password=password, published=await publish())

    @router.patch("/{username}", response_model=AgentChanged,
                  summary="Change an agent: name, queues and penalties, enabled, new SIP password")
    async def change(username: str, body: AgentChange,
                     _me: Annotated[Principal, Depends(require(Role.OPS, Role.SUPERVISOR))]) -> AgentChanged:
        memberships = None if body.queues is None else [Membership(m.queue, m.penalty) for m in body.queues]
        try:
            password = await update_agent(service.engine, username, display_name=body.display_name,
                                          memberships=memberships, enabled=body.enabled,
                                          reset_password=body.reset_password)
        except AgentConflict as exc:
            raise HTTPException(404, str(exc)) from exc
        except ConfigError as exc:
            raise HTTPException(422, str(exc)) from exc
        return AgentChanged(username=username, sip_password=password, published=await publish())

    async def act(me: Principal, username: str, action: AgentAction, reason: str = "") -> dict[str, Any]:
        check_own(me, username)
        try:
            return await perform(service.agent_ops, username, action, reason=reason,
                                 source=source_of(me, username), actor=me.username)
        except UnknownAgent as exc:
            raise HTTPException(404, str(exc)) from exc
        except NotPossibleNow as exc:
            raise HTTPException(409, str(exc)) from exc
        except (AcdError, NotRecorded) as exc:  # Asterisk, or PostgreSQL (the truth), unreachable or not answering
            raise HTTPException(503, f"{'the database' if isinstance(exc, NotRecorded) else 'Asterisk'} did not "
                                     f"carry out {action.value}: {exc}") from exc

    @router.post("/{username}/login", summary="Log in to every queue the agent serves (added paused, then available)")
    async def login(username: str, me: Annotated[Principal, Depends(ON_AGENTS)]) -> dict[str, Any]:
        return await act(me, username, AgentAction.LOGIN)

    @router.post("/{username}/pause", summary="Pause in every queue, with a reason")
    async def pause(username: str, body: PauseIn, me: Annotated[Principal, Depends(ON_AGENTS)]) -> dict[str, Any]:
        return await act(me, username, AgentAction.PAUSE, body.reason)

    @router.post("/{username}/resume", summary="Available again in every queue")
    async def resume(username: str, me: Annotated[Principal, Depends(ON_AGENTS)]) -> dict[str, Any]:
        return await act(me, username, AgentAction.RESUME)

    @router.post("/{username}/logout", summary="Leave every queue")
    async def logout(username: str, me: Annotated[Principal, Depends(ON_AGENTS)]) -> dict[str, Any]:
        return await act(me, username, AgentAction.LOGOUT)

    return router
