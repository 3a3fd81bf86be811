"""The adviser's desk API (docs/desk.md): the live stream, the adviser's own state and actions, the call's context
and the note saved as typed. Adviser role; the account's extension is the agent it acts on."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from acd.agents import AgentAction
from acd.errors import AcdError
from allo.agents.operations import NotPossibleNow, NotRecorded, UnknownAgent, perform
from allo.auth.deps import require
from allo.auth.roles import Principal, Role
from allo.db.desk_models import StateSource
from allo.desk.hub import DeskHub
from allo.desk.pop import PopOrigin, PopRequest
from allo.service import AlloService

PING_SECONDS = 15.0
NO_EXTENSION = "Votre compte n'a pas de poste (extension) : il ne peut pas servir de bureau de conseiller."
CODE = r"^[a-z0-9][a-z0-9-]{0,39}$"

Adviser = Annotated[Principal, Depends(require(Role.AGENT))]


class PauseIn(BaseModel):
    reason: str = Field(min_length=1, max_length=40, pattern=CODE, examples=["dejeuner"],
                        description="the code of an enabled pause reason (GET /api/desk/reasons)")


def agent_of(me: Principal) -> str:
    if not me.extension:
        raise HTTPException(409, NO_EXTENSION)
    return me.extension


def desk_router(service: AlloService) -> APIRouter:
    router = APIRouter(prefix="/api/desk", tags=["desk"])
    hub: DeskHub = service.desk

    @router.get("/stream", response_class=StreamingResponse,
                summary="The adviser's live desk as Server-Sent Events: `state` at once and on every change, `pop` "
                        "when a call is answered on their phone, `call-ended`, `notes`; `: ping` every 15 s",
                responses={200: {"content": {"text/event-stream": {}}}, 409: {"description": "no extension"}})
    async def stream(request: Request, me: Adviser) -> StreamingResponse:
        agent = agent_of(me)

        async def events() -> AsyncIterator[str]:
            async with hub.subscription(agent) as subscription:
                yield "retry: 1000\n\n"
                while not await request.is_disconnected():
                    try:
                        item = await asyncio.wait_for(subscription.next(), PING_SECONDS)
                    except TimeoutError:
                        yield ": ping\n\n"
                        continue
                    if item is None:
                        return
                    kind, data = item
                    yield f"event: {kind.value}\ndata: {data}\n\n"

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @router.get("/state", summary="What the desk shows at load: the adviser's state, their current call's context "
                                  "(or null) and their wrap-up (or null)",
                responses={409: {"description": "no extension"}})
    async def state(me: Adviser) -> dict[str, Any]:
        agent = agent_of(me)
        document = hub.state(agent)
        call = hub.current_pop(agent)
        call_id = hub.current_call(agent)
        if call_id is not None and (call is None or call.get("call_id") != call_id):
            connected = service.active_calls.get(call_id)
            call = await service.call_context.pop(PopRequest(call_id, agent, connected.queue if connected else "",
                                                             None, PopOrigin.QUEUE, time.time()))
        return {"state": document, "call": call, "wrapup": document["wrapup"]}

    async def act(me: Principal, action: AgentAction, reason: str = "") -> dict[str, Any]:
        agent = agent_of(me)
        try:
            await perform(service.agent_ops, agent, action, reason=reason,
                          source=StateSource.DESK, actor=me.username)
        except UnknownAgent as exc:
            raise HTTPException(409, f"Aucun conseiller actif « {agent} » : demandez à l'exploitation.") from exc
        except NotPossibleNow as exc:
            raise HTTPException(409, f"Action impossible maintenant ({exc}).") from exc
        except NotRecorded as exc:
            raise HTTPException(503, "La base de données n'a pas enregistré l'action, rien n'a changé : "
                                     "réessayez dans un instant.") from exc
        except AcdError as exc:
            raise HTTPException(503, f"Asterisk n'a pas répondu, rien n'a changé : {exc}") from exc
        return hub.state(agent)

    refusals: dict[int | str, dict[str, Any]] = {409: {"description": "refused now (French detail)"},
                                                 503: {"description": "Asterisk or the database unreachable"}}

    @router.post("/login", summary="Log in to every queue the adviser serves (like *11)", responses=refusals)
    async def login(me: Adviser) -> dict[str, Any]:
        return await act(me, AgentAction.LOGIN)

    @router.post("/logout", summary="Leave every queue (like *12)", responses=refusals)
    async def logout(me: Adviser) -> dict[str, Any]:
        return await act(me, AgentAction.LOGOUT)

    @router.post("/resume", summary="Available again in every queue", responses=refusals)
    async def resume(me: Adviser) -> dict[str, Any]:
        return await act(me, AgentAction.RESUME)

    @router.post("/pause", summary="Pause in every queue with a reason of the list ops maintain",
                 responses={**refusals, 422: {"description": "unknown or disabled reason (French detail)"}})
    async def pause(body: PauseIn, me: Adviser) -> dict[str, Any]:
        agent_of(me)
        await service.reason_labels.refresh()  # on demand: a reason ops just disabled is refused at once
        if not service.reason_labels.enabled(body.reason):
            raise HTTPException(422, f"Motif de pause inconnu ou désactivé : « {body.reason} ».")
        return await act(me, AgentAction.PAUSE, body.reason)

    return router
