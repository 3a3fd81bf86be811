"""Callbacks API: what a service-public.fr page calls to book one, its state for the citizen, the open ones for
supervisors, cancellation. The number is never returned."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field

from acd.callbacks.phone import PhoneRejected
from acd.callbacks.types import CallbackOrigin, CallbackRefusal, CallbackRefused, CallbackRequest
from allo.auth.deps import authenticate, require
from allo.auth.login import client_address
from allo.auth.ratelimit import WindowLimiter
from allo.auth.roles import Principal, Role
from allo.callbacks.service import CancelRefused
from allo.callbacks.store import CancelOutcome
from allo.db.callback_models import Callback, CallbackAttempt, CallbackStatus
from allo.service import AlloService
from routing.rules import LEVEL1_QUEUE

NAME = r"^[a-z0-9][a-z0-9_-]{0,62}$"


class CallbackIn(BaseModel):
    phone: str = Field(min_length=1, max_length=40, examples=["06 12 34 56 78"])
    sector: str | None = Field(default=None, pattern=NAME, examples=["travail"],
                               description="a level-2 sector; none: the general line (level 1)")
    consent: bool = Field(description="the citizen agrees to be called back on this number")


class CallbackBookedOut(BaseModel):
    id: str
    due_by: datetime
    status: str


class AttemptOut(BaseModel):
    attempt_no: int
    claimed_at: datetime
    originated_at: datetime | None
    agent: str | None
    agent_at: datetime | None
    ringing_at: datetime | None = Field(description="the dial towards the citizen began (their phone rang)")
    reached_at: datetime | None = Field(description="the citizen picked up")
    ended_at: datetime | None
    outcome: str
    detail: str | None


class CallbackOut(BaseModel):
    id: str
    status: str
    origin: str
    queue: str
    sector: str | None
    created_at: datetime
    original_arrival: datetime
    due_by: datetime
    late: bool = Field(description="the citizen's phone first rang after due_by, or due_by passed without a ring "
                       "(a cancelled callback is never late)")
    first_ringing_at: datetime | None = Field(description="when the citizen's phone first rang (the promise kept "
                                              "at ringing if <= due_by)")
    reached_at: datetime | None = Field(description="when the citizen picked up (the promise kept at reach if "
                                        "<= due_by)")
    reached_late: bool | None = Field(description="reached after due_by; null while not reached")
    risen_at: datetime | None = Field(description="when the callback rose ahead of new arrivals near its deadline")
    closed_at: datetime | None
    outcome: str | None
    attempts: list[AttemptOut]


REFUSAL_STATUS = {CallbackRefusal.ALREADY_PENDING: 409, CallbackRefusal.UNAVAILABLE: 503}
ON_CALLBACKS = require(Role.SUPERVISOR, Role.AGENT)


def _attempt(a: CallbackAttempt) -> AttemptOut:
    return AttemptOut(attempt_no=a.attempt_no, claimed_at=a.claimed_at, originated_at=a.originated_at,
                      agent=a.agent, agent_at=a.agent_at, ringing_at=a.ringing_at, reached_at=a.reached_at,
                      ended_at=a.ended_at, outcome=a.outcome.value, detail=a.detail)


def _late(row: Callback, now: datetime) -> bool:
    """The promise is kept when the citizen's phone first rings by due_by (docs/callbacks.md)."""
    if row.first_ringing_at is not None:
        return row.first_ringing_at > row.due_by
    if row.status is CallbackStatus.CANCELLED:
        return False
    return (row.closed_at or now) > row.due_by


def _out(row: Callback, attempts: list[CallbackAttempt]) -> CallbackOut:
    return CallbackOut(id=str(row.public_id), status=row.status.value, origin=row.origin, queue=row.queue,
                       sector=row.sector, created_at=row.created_at, original_arrival=row.original_arrival,
                       due_by=row.due_by, late=_late(row, datetime.now(UTC)), first_ringing_at=row.first_ringing_at,
                       reached_at=row.reached_at,
                       reached_late=None if row.reached_at is None else row.reached_at > row.due_by,
                       risen_at=row.risen_at, closed_at=row.closed_at, outcome=row.outcome,
                       attempts=[_attempt(a) for a in attempts])


def callbacks_router(service: AlloService) -> APIRouter:
    router = APIRouter(prefix="/api/callbacks", tags=["callbacks"])
    callbacks = service.callbacks
    # The public web form books anonymously: a per-address limit keeps a script from flooding the agents.
    anonymous = WindowLimiter(service.settings.callback_bookings_per_hour, 3600.0)

    async def limited(request: Request) -> None:
        if await authenticate(request) is not None:
            return  # staff booking for a citizen, or the website's back end with its own account
        wait = anonymous.take(client_address(request), time.monotonic())
        if wait > 0:
            raise HTTPException(429, {"error": "rate_limited", "message": "too many callback requests from this "
                                      f"address; retry in {int(wait) + 1} s"},
                                headers={"Retry-After": str(int(wait) + 1)})

    @router.post("", response_model=CallbackBookedOut, status_code=201, dependencies=[Depends(limited)],
                 responses={409: {"description": "a callback to this number is already planned"},
                            422: {"description": "invalid number (with its `reason`: empty, not_a_number, "
                                  "short_number, wrong_length, foreign, premium, not_assigned), unknown sector or "
                                  "no consent"},
                            429: {"description": "too many anonymous requests from this address (see Retry-After)"},
                            503: {"description": "callbacks cannot be booked right now (database away)"}},
                 summary="Book a callback (the form of a service-public.fr page); called back within the promise")
    async def book(body: CallbackIn) -> CallbackBookedOut:
        try:
            if body.sector is None:
                queue = LEVEL1_QUEUE
            else:
                found = await callbacks.store.queue_of_sector(body.sector)
                if found is None:
                    raise HTTPException(422, {"error": "unknown_sector", "message": f"no sector {body.sector!r}"})
                queue = found
        except HTTPException:
            raise
        except Exception as exc:  # the database is away
            raise HTTPException(503, {"error": "unavailable", "message": "callbacks cannot be booked right now"}
                                ) from exc
        request = CallbackRequest(phone=body.phone, queue=queue, origin=CallbackOrigin.WEB,
                                  original_arrival=datetime.now(UTC), sector=body.sector, consent=body.consent)
        try:
            booked = await callbacks.book(request)
        except CallbackRefused as exc:
            detail = {"error": exc.reason.value, "message": str(exc)}
            if isinstance(exc.__cause__, PhoneRejected):  # which rule the number broke, for the page to say it
                detail["reason"] = exc.__cause__.reason.value
            raise HTTPException(REFUSAL_STATUS.get(exc.reason, 422), detail) from exc
        return CallbackBookedOut(id=booked.public_id, due_by=booked.due_by, status=CallbackStatus.PENDING.value)

    @router.get("", response_model=list[CallbackOut], summary="Callbacks not yet closed (for supervisors)")
    async def list_open(_me: Annotated[Principal, Depends(ON_CALLBACKS)]) -> list[CallbackOut]:
        return [_out(row, []) for row in await callbacks.store.list_open()]

    @router.get("/{callback_id}", response_model=CallbackOut, summary="A callback, its attempts and their outcomes")
    async def get(callback_id: uuid.UUID, _me: Annotated[Principal, Depends(ON_CALLBACKS)]) -> CallbackOut:
        found = await callbacks.store.get(callback_id)
        if found is None:
            raise HTTPException(404, "no such callback")
        return _out(*found)

    @router.delete("/{callback_id}", summary="Cancel a callback, unless the citizen is already being called",
                   responses={404: {"description": "no such callback"},
                              409: {"description": "already closed, or the citizen's phone is ringing"}})
    async def cancel(callback_id: uuid.UUID,
                     _me: Annotated[Principal, Depends(require(Role.SUPERVISOR))]) -> dict[str, Any]:
        try:
            outcome = await callbacks.cancel(callback_id)
        except CancelRefused as exc:
            raise HTTPException(409, {"error": "being_called", "message": str(exc)}) from exc
        if outcome is CancelOutcome.NOT_FOUND:
            raise HTTPException(404, "no such callback")
        if outcome is CancelOutcome.CLOSED:
            raise HTTPException(409, {"error": "closed", "message": "this callback is already closed"})
        return {"id": str(callback_id), "status": CallbackStatus.CANCELLED.value}

    return router
