"""Calls API: context that follows a call (notes), transfer to a level-2 sector, calls in progress, and the
lookup of past calls ("why did this call go there?")."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from acd.transfer import TransferRefusal
from allo.auth.deps import require
from allo.auth.roles import Principal, Role
from allo.db.models import Call, CallNote
from allo.desk.access import CallAccess, access_of
from allo.desk.context import read_notes
from allo.records.journey_view import CallView
from allo.records.lookup import lookup_calls
from allo.records.lookup_params import BadLookup, parse_lookup
from allo.service import AlloService
from allo.transfers.sectors import TransferFailed

NAME = r"^[a-z0-9][a-z0-9_-]{0,62}$"


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


class NoteOut(BaseModel):
    id: int
    author: str
    text: str
    created_at: datetime


class TransferIn(BaseModel):
    sector: str = Field(pattern=NAME, examples=["travail"])


class TransferOut(BaseModel):
    status: str
    sector: str
    queue: str


class CallOut(BaseModel):
    call_id: str
    started_at: datetime
    outcome: str
    route_queue: str | None
    sector: str | None
    keys: str | None
    level1_agent: str | None
    agent: str | None
    transferred_to: str | None
    transferred_at: datetime | None
    notes: list[NoteOut]


class LookupOut(BaseModel):
    calls: list[CallView]
    next_offset: int | None = Field(description="offset of the next page, null on the last one")


NOT_YOURS = "Cet appel n'a pas été pris sur votre poste : vous ne pouvez pas le consulter."
NOT_CONNECTED = "Cet appel n'est pas en cours sur votre poste : vous ne pouvez pas le transférer."
REFUSAL_STATUS = {TransferRefusal.UNKNOWN_SECTOR: 422}
ON_CALLS = require(Role.SUPERVISOR, Role.AGENT)
LOOKERS = require(Role.SUPERVISOR, Role.OPS)
Opt = Annotated[str | None, Query()]


def calls_router(service: AlloService) -> APIRouter:
    router = APIRouter(prefix="/api/calls", tags=["calls"])

    async def _call(session: AsyncSession, call_id: str) -> Call:
        call = await session.get(Call, call_id)
        if call is None:
            raise HTTPException(404, "no such call")
        return call

    async def check_reader(me: Principal, call_id: str) -> None:
        """An adviser reads only a call answered on their phone (docs/desk.md, "Privacy"); supervisors all."""
        if me.role is not Role.AGENT:
            return
        agent = me.extension or ""
        if agent and service.desk.connected_to(call_id, agent):
            return
        access = await access_of(service.engine, call_id, agent)  # an account with no phone answered nothing
        if access is CallAccess.UNKNOWN:
            raise HTTPException(404, "no such call")
        if access is CallAccess.REFUSED:
            raise HTTPException(403, NOT_YOURS)

    @router.get("/active", summary="Calls connected to an adviser right now (from AMI)")
    async def active(_me: Annotated[Principal, Depends(require(Role.SUPERVISOR))]) -> list[dict[str, Any]]:
        return service.active_calls.to_list(time.time())

    @router.get("/lookup", response_model=LookupOut,
                responses={422: {"description": "neither a call id nor a readable period, or a period too long "
                                                "(detail: a French sentence)"}},
                summary="Past calls by id or by period (Paris time): journey, keys (codes masked), decision trace, "
                        "rules version, queue legs")
    async def lookup(_me: Annotated[Principal, Depends(LOOKERS)], call_id: Opt = None,
                     first: Annotated[str | None, Query(alias="from", description="AAAA-MM-JJ[ HH:MM], Paris")] = None,
                     to: Annotated[str | None, Query(description="AAAA-MM-JJ[ HH:MM], Paris (a date: its end)")] = None,
                     limit: Opt = None, offset: Opt = None) -> LookupOut:
        try:
            query = parse_lookup(call_id, first, to, limit, offset)
        except BadLookup as exc:
            raise HTTPException(422, str(exc)) from exc
        page = await lookup_calls(service.engine, query)
        return LookupOut(calls=page.calls, next_offset=page.next_offset)

    @router.get("/{call_id}", response_model=CallOut,
                summary="A call with the context that follows it (notes); an adviser reads only the calls answered "
                        "on their phone",
                responses={403: {"description": "an adviser asking for a call not answered on their phone"}})
    async def get_call(call_id: str, me: Annotated[Principal, Depends(ON_CALLS)]) -> CallOut:
        await check_reader(me, call_id)
        async with AsyncSession(service.engine) as session:
            call = await _call(session, call_id)
            notes = (await session.scalars(select(CallNote).where(CallNote.call_id == call_id)
                                           .order_by(CallNote.id))).all()
        return CallOut(call_id=call.call_id, started_at=call.started_at, outcome=call.outcome.value,
                       route_queue=call.route_queue, sector=call.transferred_to or call.sector, keys=call.keys,
                       level1_agent=call.level1_agent, agent=call.agent, transferred_to=call.transferred_to,
                       transferred_at=call.transferred_at,
                       notes=[NoteOut(id=n.id, author=n.author, text=n.text, created_at=n.created_at) for n in notes])

    @router.post("/{call_id}/notes", response_model=NoteOut, status_code=201,
                 summary="Add a note to a call, signed by the account making the request; level 2 reads it; an "
                         "adviser only on a call answered on their phone",
                 responses={403: {"description": "an adviser, on a call not answered on their phone"}})
    async def add_note(call_id: str, note: NoteIn, me: Annotated[Principal, Depends(ON_CALLS)]) -> NoteOut:
        await check_reader(me, call_id)
        async with AsyncSession(service.engine, expire_on_commit=False) as session:
            await _call(session, call_id)
            row = CallNote(call_id=call_id, author=me.username, text=note.text)  # who is signed in, not who says
            session.add(row)
            await session.commit()
            notes = await read_notes(session, call_id)
        # The adviser now on the call (level 2 after a transfer) sees it at once on their desk.
        service.desk.notes_changed(call_id, [n.document() for n in notes], by_agent=me.extension)
        return NoteOut(id=row.id, author=row.author, text=row.text, created_at=row.created_at)

    @router.post("/{call_id}/transfer", response_model=TransferOut,
                 responses={403: {"description": "an adviser, for a call not connected to them now"},
                            409: {"description": "refused: sector closed, nobody logged in, or no adviser on the call"},
                            422: {"description": "unknown sector"}},
                 summary="Transfer the caller to a level-2 sector without hanging up (AMI BlindTransfer)")
    async def transfer(call_id: str, body: TransferIn, me: Annotated[Principal, Depends(ON_CALLS)]) -> TransferOut:
        if me.role is Role.AGENT:
            connected = service.active_calls.get(call_id)
            if connected is None or not me.extension or connected.agent != me.extension:
                raise HTTPException(403, NOT_CONNECTED)
        try:
            plan = await service.transfers.transfer_to_sector(call_id, body.sector)
        except TransferFailed as exc:
            status = REFUSAL_STATUS.get(exc.refusal, 409) if exc.refusal else 502
            raise HTTPException(status, {"error": exc.refusal.value if exc.refusal else "asterisk",
                                         "message": str(exc)}) from exc
        return TransferOut(status="transferred", sector=body.sector, queue=plan.queue)

    return router
