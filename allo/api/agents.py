"""Agents API: state of every agent, and log in / pause / resume / log out (the phone's feature codes do the same)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from acd.agents import AgentAction
from acd.errors import AcdError
from allo.agents import UnknownAgent, agent_states, perform
from allo.db.models import Agent
from allo.service import AlloService


class PauseIn(BaseModel):
    reason: str = Field(default="pause", min_length=1, max_length=40, pattern=r"^[\w .'-]+$")


def agents_router(service: AlloService) -> APIRouter:
    router = APIRouter(prefix="/api/agents", tags=["agents"])

    @router.get("", summary="Every enabled agent with its live state (queues, paused and why, in a call)")
    async def list_agents() -> list[dict[str, Any]]:
        async with AsyncSession(service.engine) as session:
            names = list((await session.scalars(select(Agent.username).where(Agent.enabled)
                                                .order_by(Agent.username))).all())
        return agent_states(service.live, names)

    async def act(username: str, action: AgentAction, reason: str = "") -> dict[str, Any]:
        try:
            return await perform(service.engine, service.ami, service.live, username, action, reason=reason)
        except UnknownAgent as exc:
            raise HTTPException(404, str(exc)) from exc
        except AcdError as exc:
            raise HTTPException(503, f"Asterisk did not carry out {action.value}: {exc}") from exc

    @router.post("/{username}/login", summary="Log in to every queue the agent serves (added paused, then available)")
    async def login(username: str) -> dict[str, Any]:
        return await act(username, AgentAction.LOGIN)

    @router.post("/{username}/pause", summary="Pause in every queue, with a reason")
    async def pause(username: str, body: PauseIn) -> dict[str, Any]:
        return await act(username, AgentAction.PAUSE, body.reason)

    @router.post("/{username}/resume", summary="Available again in every queue")
    async def resume(username: str) -> dict[str, Any]:
        return await act(username, AgentAction.RESUME)

    @router.post("/{username}/logout", summary="Leave every queue")
    async def logout(username: str) -> dict[str, Any]:
        return await act(username, AgentAction.LOGOUT)

    return router
