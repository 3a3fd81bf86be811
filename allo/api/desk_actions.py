"""The desk's actions during a call (docs/desk.md): the transfer buttons and the transfer, « orienter », and the
supervisor-help request. An adviser acts only on a call of their own phone; French `detail` on every refusal."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field

from acd.transfer import TransferRefusal
from allo.auth.deps import require
from allo.auth.roles import Principal, Role
from allo.desk.access import answered_by, call_known
from allo.desk.orient import Orientation, orient, orientations
from allo.service import AlloService
from allo.transfers.options import TransferOptions, french
from allo.transfers.sectors import TransferFailed

NAME = r"^[a-z0-9][a-z0-9_-]{0,62}$"
CALL_ID = r"^[\w.-]{1,64}$"
Agent = Annotated[Principal, Depends(require(Role.AGENT))]
NOT_YOURS = "Cet appel n'est pas en cours sur votre poste."
NOT_ANSWERED = "Cet appel n'a pas été pris sur votre poste."
NOT_CONNECTED = "Cet appel n'est plus en cours avec un conseiller."
UNKNOWN_CALL = "Appel inconnu."
NO_RULES = "Les règles d'acheminement ne sont pas chargées ; réessayez dans un instant."


class SectorOut(BaseModel):
    sector: str = Field(examples=["travail"])
    label: str = Field(examples=["Droit du travail"])
    queue: str | None = Field(examples=["l2-travail"])
    open: bool
    logged_in: int
    available: int = Field(description="logged in, not paused, not in a call")
    waiting: int
    wait_s: int | None = Field(description="estimated wait of a caller handed over now; null: nobody could answer")
    refusal: TransferRefusal | None = Field(description="what a transfer would get now; null: it would be done")
    message: str | None = Field(description="the refusal in French, for the disabled button")


class DeskTransferIn(BaseModel):
    sector: str = Field(pattern=NAME, examples=["travail"])


class DeskTransferOut(BaseModel):
    status: str
    sector: str
    queue: str


class OrientIn(BaseModel):
    body_id: str = Field(min_length=1, max_length=64, examples=["7d1e3c2a-0000-4000-8000-000000000001"])


class OrientationOut(BaseModel):
    id: int
    call_id: str
    agent: str
    body_id: str
    body_name: str
    at: datetime


HELP_TEXT_MAX = 200  # the column; the schema's bound is loose so that the adviser is told in French


class HelpIn(BaseModel):
    call_id: str | None = Field(default=None, pattern=CALL_ID)
    text: str = Field(default="", max_length=10 * HELP_TEXT_MAX, description=f"at most {HELP_TEXT_MAX} characters")


class HelpOut(BaseModel):
    id: int
    agent: str
    call_id: str | None
    text: str
    asked_at: datetime


def _orientation(row: Orientation) -> OrientationOut:
    return OrientationOut(id=row.id, call_id=row.call_id, agent=row.agent, body_id=row.body_id,
                          body_name=row.body_name, at=row.at)


def desk_actions_router(service: AlloService) -> APIRouter:
    helpdesk = service.help_desk()
    options_now = TransferOptions(service.transfers, service.rules, service.live, service.queue_figures)
    router = APIRouter(prefix="/api/desk", tags=["desk"])

    def extension(me: Principal) -> str:
        """The adviser's phone; an account without one (an admin) matches no call."""
        return me.extension or me.username

    async def own_call(me: Principal, call_id: str) -> str:
        """The caller is connected to this adviser now, or the call was answered on their phone."""
        agent = extension(me)
        connected = service.active_calls.get(call_id)
        if connected is not None and connected.agent == agent:
            return agent
        if await answered_by(service.engine, call_id, agent):
            return agent
        if connected is None and not await call_known(service.engine, call_id):
            raise HTTPException(404, UNKNOWN_CALL)
        raise HTTPException(403, NOT_ANSWERED)

    @router.get("/sectors", response_model=list[SectorOut],
                responses={503: {"description": "routing rules not loaded yet (detail: a French sentence)"}},
                summary="The six level-2 sectors now: open or closed, advisers logged in and available, callers "
                        "waiting, estimated wait, and the refusal a transfer would get (with its French message)")
    async def sectors(_me: Annotated[Principal, Depends(require(Role.AGENT, Role.SUPERVISOR))]) -> list[SectorOut]:
        try:
            options = options_now.now()
        except TransferFailed as exc:
            raise HTTPException(503, NO_RULES) from exc
        return [SectorOut(sector=o.sector, label=o.label, queue=o.queue, open=o.open, logged_in=o.logged_in,
                          available=o.available, waiting=o.waiting, wait_s=o.wait_s, refusal=o.refusal,
                          message=french(o.refusal)) for o in options]

    @router.post("/calls/{call_id}/transfer", response_model=DeskTransferOut,
                 responses={403: {"description": "the call is connected to another adviser (French detail)"},
                            404: {"description": "the call is not connected to an adviser now (French detail)"},
                            409: {"description": "refused: sector closed or nobody logged in (French detail)"},
                            422: {"description": "unknown sector (French detail)"},
                            502: {"description": "Asterisk refused the transfer"}},
                 summary="Transfer the caller connected to you to a level-2 sector without hanging up; the notes "
                         "saved on the call go with it")
    async def transfer(call_id: str, body: DeskTransferIn, me: Agent) -> DeskTransferOut:
        connected = service.active_calls.get(call_id)
        if connected is None:
            raise HTTPException(404, NOT_CONNECTED)
        if connected.agent != extension(me):
            raise HTTPException(403, NOT_YOURS)
        try:
            plan = await service.transfers.transfer_to_sector(call_id, body.sector)
        except TransferFailed as exc:
            if exc.refusal is None:
                status = 503 if service.rules.snapshot is None else 502
                raise HTTPException(status, NO_RULES if status == 503 else
                                    "Asterisk a refusé le transfert ; l'appelant reste avec vous.") from exc
            status = 422 if exc.refusal is TransferRefusal.UNKNOWN_SECTOR else 409
            raise HTTPException(status, french(exc.refusal)) from exc
        return DeskTransferOut(status="transferred", sector=body.sector, queue=plan.queue)

    @router.post("/calls/{call_id}/orient", response_model=OrientationOut, status_code=201,
                 responses={403: {"description": "the call was not answered on this adviser's phone"},
                            404: {"description": "no such call, or no such body in the directory (French detail)"}},
                 summary="Record the public body (directory id) the caller was oriented to")
    async def orient_call(call_id: str, body: OrientIn, me: Agent) -> OrientationOut:
        agent = await own_call(me, call_id)
        row = await orient(service.engine, call_id, agent, body.body_id)
        if row is None:
            raise HTTPException(404, "Cet organisme n'est pas dans l'annuaire.")
        return _orientation(row)

    @router.get("/calls/{call_id}/orientations", response_model=list[OrientationOut],
                responses={403: {"description": "the call was not answered on this adviser's phone"},
                           404: {"description": "no such call (French detail)"}},
                summary="The bodies the caller was oriented to, oldest first")
    async def call_orientations(call_id: str,
                                me: Annotated[Principal, Depends(require(Role.AGENT, Role.SUPERVISOR))]
                                ) -> list[OrientationOut]:
        if me.role is Role.AGENT:
            await own_call(me, call_id)
        return [_orientation(row) for row in await orientations(service.engine, call_id)]

    @router.post("/help", response_model=HelpOut, status_code=201,
                 responses={403: {"description": "the call named was not answered on this adviser's phone"},
                            404: {"description": "no such call (French detail)"},
                            422: {"description": "text too long (French detail)"}},
                 summary="Ask a supervisor for help (shown on the dashboard until taken in hand)")
    async def ask_help(body: HelpIn, me: Agent) -> HelpOut:
        if len(body.text.strip()) > HELP_TEXT_MAX:
            raise HTTPException(422, f"Le message ne doit pas dépasser {HELP_TEXT_MAX} caractères.")
        agent = extension(me)
        if body.call_id is not None:
            await own_call(me, body.call_id)
        row = await helpdesk.ask(agent, body.call_id, body.text.strip())
        return HelpOut(id=row.id, agent=row.agent, call_id=row.call_id, text=row.text, asked_at=row.asked_at)

    return router
