"""Supervisor API: the dashboard document (JSON and a live SSE stream) and actions on agents and their calls.

Every action is audited (allo.audit.record) and refused with a readable message when it cannot be done: 404 unknown
agent, 409 not possible now (agent not logged in / not on a call, no softphone), 503 Asterisk unreachable.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from acd.agents import AgentAction
from acd.errors import AcdError
from allo.agents.operations import NotPossibleNow, NotRecorded, UnknownAgent, memberships, perform, queues_of
from allo.audit.record import audit
from allo.auth.deps import require
from allo.auth.roles import Principal, Role
from allo.dashboard.feed import DashboardFeed
from allo.dashboard.spy import SpyMode, SpyRefused, spy
from allo.db.admin_models import User
from allo.db.desk_models import StateSource
from allo.service import AlloService

Supervisor = Annotated[Principal, Depends(require(Role.SUPERVISOR))]


class PauseIn(BaseModel):
    reason: str = Field(default="pause", min_length=1, max_length=40, pattern=r"^[\w .'-]+$",
                        examples=["formation"])


class SpyIn(BaseModel):
    mode: SpyMode = Field(description="listen: hear the call; whisper: speak to the agent only; barge: speak to both")


def feed_of(service: AlloService) -> DashboardFeed:
    feed: DashboardFeed = service.dashboard
    return feed


async def _audited(service: AlloService, me: Principal, action: str, target: str,
                   act: Callable[[], Awaitable[dict[str, Any]]], **detail: Any) -> dict[str, Any]:
    """The audit entry is written in the transaction that commits only once Asterisk has done the action."""
    async with AsyncSession(service.engine) as session, session.begin():
        try:
            audit(session, me, action, target, **detail)
            await session.flush()
        except Exception as exc:  # no audit, no action
            raise HTTPException(503, f"the audit log is unreachable, nothing was done: {exc}") from exc
        try:
            result = await act()
        except UnknownAgent as exc:
            raise HTTPException(404, str(exc)) from exc
        except (SpyRefused, NotPossibleNow) as exc:
            raise HTTPException(409, str(exc)) from exc
        except NotRecorded as exc:
            raise HTTPException(503, str(exc)) from exc
        except AcdError as exc:
            raise HTTPException(503, f"Asterisk did not carry out {action}: {exc}") from exc
    return result


def supervisor_router(service: AlloService) -> APIRouter:
    router = APIRouter(tags=["supervisor"])

    @router.get("/api/dashboard", summary="Dashboard snapshot: every queue's live state, today's figures with "
                                          "red/amber/green against targets, every agent's state")
    async def snapshot(_me: Supervisor) -> dict[str, Any]:
        feed = feed_of(service)
        if feed.stale:
            await feed.refresh()
        return feed.document()

    @router.get("/api/dashboard/stream", response_class=StreamingResponse,
                summary="The dashboard as Server-Sent Events: a `dashboard` event with the whole document at once, "
                        "then after every change in Asterisk (within 100 ms) and every second",
                responses={200: {"content": {"text/event-stream": {}}}})
    async def stream(request: Request, _me: Supervisor) -> StreamingResponse:
        feed = feed_of(service)

        async def events() -> AsyncIterator[str]:
            async with feed.subscription() as subscription:
                if feed.stale:  # nobody had the page open: the refresh loop was resting
                    await feed.refresh()
                yield f"retry: 1000\nevent: dashboard\ndata: {feed.encoded()}\n\n"
                while not await request.is_disconnected():
                    document = await subscription.next()
                    if document is None:
                        return
                    yield f"event: dashboard\ndata: {document}\n\n"

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    async def logged_in(username: str) -> None:
        try:
            await memberships(service.engine, username)
        except UnknownAgent as exc:
            raise HTTPException(404, str(exc)) from exc
        if not queues_of(service.live, username):
            raise HTTPException(409, f"agent {username} is not logged in to any queue")

    async def agent_action(me: Principal, username: str, action: AgentAction, reason: str = "") -> dict[str, Any]:
        detail = {"reason": reason} if reason else {}
        return await _audited(service, me, f"agent.{action.value}", username,
                              lambda: perform(service.agent_ops, username, action,
                                              reason=reason, source=StateSource.SUPERVISOR, actor=me.username),
                              **detail)

    @router.post("/api/supervisor/agents/{username}/pause", summary="Pause an agent in every queue, with a reason")
    async def pause(username: str, body: PauseIn, me: Supervisor) -> dict[str, Any]:
        await logged_in(username)
        return await agent_action(me, username, AgentAction.PAUSE, body.reason)

    @router.post("/api/supervisor/agents/{username}/resume", summary="Make a paused agent available again")
    async def resume(username: str, me: Supervisor) -> dict[str, Any]:
        await logged_in(username)
        return await agent_action(me, username, AgentAction.RESUME)

    @router.post("/api/supervisor/agents/{username}/logout", summary="Log an agent out of every queue")
    async def logout(username: str, me: Supervisor) -> dict[str, Any]:
        await logged_in(username)
        return await agent_action(me, username, AgentAction.LOGOUT)

    async def extension_of(me: Principal) -> str | None:
        if me.extension:
            return me.extension
        async with AsyncSession(service.engine) as session:
            extension: str | None = await session.scalar(select(User.extension).where(User.id == me.user_id))
        return extension

    @router.post("/api/supervisor/agents/{username}/spy",
                 summary="Listen, whisper or barge into the agent's current call: your softphone rings, and "
                         "once answered joins the call (ChanSpy)")
    async def spy_on(username: str, body: SpyIn, me: Supervisor) -> dict[str, Any]:
        extension = await extension_of(me)

        async def act() -> dict[str, Any]:
            await memberships(service.engine, username)  # UnknownAgent: 404
            call = await spy(service.ami, service.active_calls, extension, username, body.mode)
            return {"agent": username, "mode": body.mode.value, "extension": extension, "call_id": call.call_id,
                    "queue": call.queue}

        return await _audited(service, me, f"call.{body.mode.value}", username, act, extension=extension)

    return router
