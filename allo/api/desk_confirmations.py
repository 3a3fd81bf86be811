"""The written confirmation from the desk (docs/after-call.md): the adviser on the call sends the caller the sheets
and bodies given; the mail waits in the outbox (address encrypted) until the SMTP server accepts it. The address is
never returned, logged or audited."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from allo.api.desk import Adviser, agent_of
from allo.audit.record import audit
from allo.callbacks.crypto import PhoneCipher
from allo.confirmations import outbox
from allo.confirmations.address import AddressInvalid, check_address
from allo.confirmations.compose import new_message_id
from allo.confirmations.content import ContentInvalid, build_content
from allo.db.after_call_models import Confirmation, ConfirmationChannel, ConfirmationStatus
from allo.desk.access import CallAccess, access_of
from allo.service import AlloService
from routing.calendar_types import PARIS

NOT_YOURS = "Cet appel n'a pas été pris sur votre poste : vous ne pouvez pas envoyer de confirmation."
NO_SMS = "Envoi par SMS non disponible"
CallId = Annotated[str, Path(pattern=r"^[0-9A-Za-z._-]{1,64}$", examples=["1765000000.42"])]
ItemId = Annotated[str, Field(pattern=r"^[0-9A-Za-z._:-]{1,64}$")]  # sheet ids (F1234), body ids (UUIDs)


class ConfirmationIn(BaseModel):
    address: str = Field(max_length=320, description="the caller's e-mail address, as typed during the call",
                         examples=["camille.martin@exemple.fr"])
    sheets: list[ItemId] = Field(default=[], max_length=100, description="ids of answer sheets (kb_sheets)",
                                 examples=[["F1234"]])
    bodies: list[ItemId] = Field(default=[], max_length=100, description="ids of public bodies (dir_bodies); the "
                                 "desk pre-selects the call's orientations")
    channel: str = Field(default=ConfirmationChannel.EMAIL.value, max_length=10,
                         description="email (sms is the seam for a later provider: refused today)")


class ConfirmationQueued(BaseModel):
    id: int
    status: str
    status_label: str
    message_id: str


class ConfirmationOut(BaseModel):
    id: int
    status: str
    status_label: str = Field(description="« en attente d'envoi », « envoyée à HH:MM » (Paris), « non envoyée »")
    created_at: datetime
    sent_at: datetime | None
    abandoned_at: datetime | None
    attempts: int
    reason: str | None = Field(description="why it was not sent (abandoned only; never the address)")
    sheets: list[str] = Field(description="the sheets' titles")
    bodies: list[str] = Field(description="the bodies' names")


REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {"description": "not an adviser, or the call was not answered on the adviser's phone"},
    404: {"description": "unknown call"},
    409: {"description": "the account has no extension"}}


def _label(row: Confirmation) -> str:
    clock = f"{row.sent_at.astimezone(PARIS):%H:%M}" if row.sent_at is not None else None
    return outbox.status_label(row, clock)


def _out(row: Confirmation) -> ConfirmationOut:
    abandoned = row.status == ConfirmationStatus.ABANDONED.value
    return ConfirmationOut(id=row.id, status=row.status, status_label=_label(row), created_at=row.created_at,
                           sent_at=row.sent_at, abandoned_at=row.abandoned_at, attempts=row.attempts,
                           reason=row.last_error if abandoned else None,
                           sheets=[str(s.get("title", "")) for s in row.content.get("sheets", [])],
                           bodies=[str(b.get("name", "")) for b in row.content.get("bodies", [])])


def desk_confirmations_router(service: AlloService) -> APIRouter:
    router = APIRouter(prefix="/api/desk/calls", tags=["desk"])
    settings = service.settings

    async def check_access(agent: str, call_id: str) -> None:
        if service.desk.connected_to(call_id, agent):
            return
        access = await access_of(service.engine, call_id, agent)
        if access is CallAccess.UNKNOWN:
            raise HTTPException(404, "Appel inconnu.")
        if access is CallAccess.REFUSED:
            raise HTTPException(403, NOT_YOURS)

    @router.post("/{call_id}/confirmation", status_code=202, response_model=ConfirmationQueued,
                 responses={**REFUSALS, 422: {"description": "bad address, SMS asked, nothing chosen, unknown sheet "
                                                             "or body (French detail)"}},
                 summary="Send the caller a written confirmation by e-mail (the sheets and bodies given); queued at "
                         "once, delivered by the outbox with retries")
    async def send(call_id: CallId, body: ConfirmationIn, me: Adviser) -> ConfirmationQueued:
        agent = agent_of(me)
        await check_access(agent, call_id)
        if body.channel != ConfirmationChannel.EMAIL.value:
            raise HTTPException(422, NO_SMS if body.channel == ConfirmationChannel.SMS.value
                                else "Canal inconnu : seul « email » est possible.")
        try:
            address = check_address(body.address)
        except AddressInvalid as exc:
            service.metrics.confirmations.labels("refused").inc()
            raise HTTPException(422, exc.message) from None
        cipher = PhoneCipher(settings.callback_key.get_secret_value(),
                             settings.callback_keys_previous.get_secret_value())
        async with AsyncSession(service.engine, expire_on_commit=False) as session, session.begin():
            try:
                content = await build_content(session, body.sheets, body.bodies)
            except ContentInvalid as exc:
                raise HTTPException(422, exc.message) from None
            row = await outbox.enqueue(session, cipher, call_id=call_id, agent=agent, address=address.normalized,
                                       content=content, message_id=new_message_id(settings.mail_domain))
            audit(session, me, "confirmation.send", call_id, confirmation=row.id, channel=row.channel,
                  sheets=[s["id"] for s in content["sheets"]], bodies=[b["id"] for b in content["bodies"]])
        service.confirmations.wake()
        return ConfirmationQueued(id=row.id, status=row.status, status_label=_label(row), message_id=row.message_id)

    @router.get("/{call_id}/confirmations", response_model=list[ConfirmationOut], responses=REFUSALS,
                summary="The confirmations sent for a call and their status (never the address)")
    async def confirmations(call_id: CallId, me: Adviser) -> list[ConfirmationOut]:
        agent = agent_of(me)
        await check_access(agent, call_id)
        async with AsyncSession(service.engine) as session:
            return [_out(row) for row in await outbox.of_call(session, call_id)]

    return router
