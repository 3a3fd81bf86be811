"""The desk's calls (docs/desk.md): a call's context and the adviser's note saved as typed, for the adviser who
answered the call (allo.desk.access.answered_by) or is connected to it now."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path
from pydantic import BaseModel, Field

from allo.api.desk import Adviser, agent_of
from allo.desk.access import CallAccess, access_of
from allo.desk.hub import DeskHub
from allo.desk.notes import MAX_NOTE, save_desk_note
from allo.desk.pop import PopOrigin, PopRequest
from allo.service import AlloService

NOT_YOURS = "Cet appel n'a pas été pris sur votre poste : vous ne pouvez pas le consulter."
CALL_ID = r"^[0-9A-Za-z._-]{1,64}$"
CallId = Annotated[str, Path(pattern=CALL_ID)]


class NoteIn(BaseModel):
    text: str = Field(max_length=MAX_NOTE, description="the whole note as typed; empty deletes it")


def desk_calls_router(service: AlloService) -> APIRouter:
    router = APIRouter(prefix="/api/desk/calls", tags=["desk"])
    hub: DeskHub = service.desk

    async def check_access(agent: str, call_id: str) -> None:
        if hub.connected_to(call_id, agent):
            return
        access = await access_of(service.engine, call_id, agent)
        if access is CallAccess.UNKNOWN:
            raise HTTPException(404, "Appel inconnu.")
        if access is CallAccess.REFUSED:
            raise HTTPException(403, NOT_YOURS)

    @router.get("/{call_id}", summary="A call's context (the screen-pop) for the adviser who answered it; "
                                            "the repeat caller's previous contact only while connected",
                responses={403: {"description": "not answered on this adviser's phone"},
                           404: {"description": "unknown call"}})
    async def call(call_id: CallId, me: Adviser) -> dict[str, Any]:
        agent = agent_of(me)
        await check_access(agent, call_id)
        connected = hub.connected_to(call_id, agent)
        live = service.active_calls.get(call_id)
        return await service.call_context.pop(
            PopRequest(call_id, agent, live.queue if live and connected else "", None, PopOrigin.QUEUE, time.time()),
            with_repeat=connected)

    @router.put("/{call_id}/note", summary="The adviser's note on the call, saved as typed (one per call and "
                                                 "author; an empty text deletes it); level 2 reads it",
                responses={403: {"description": "not answered on this adviser's phone"},
                           404: {"description": "unknown call"}})
    async def note(call_id: CallId, body: NoteIn, me: Adviser) -> dict[str, Any]:
        agent = agent_of(me)
        await check_access(agent, call_id)
        mine, notes = await save_desk_note(service.engine, call_id, me.username, body.text)
        documents = [n.document() for n in notes]
        hub.notes_changed(call_id, documents, by_agent=agent)
        return {"call_id": call_id, "note": mine.document() if mine else None, "notes": documents}

    return router
