"""The public callback page /rappel: a citizen asks to be called back. No sign-in; the form posts JSON to the
existing `POST /api/callbacks` (rate-limited per address there) and shows its answer in French."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from allo.callbacks.hours import opening
from allo.service import AlloService
from allo.web.render import render
from routing.calendar_types import PARIS
from routing.rules import LEVEL1_QUEUE

_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def _paris(at: datetime) -> datetime:
    return at.replace(tzinfo=PARIS) if at.tzinfo is None else at.astimezone(PARIS)


def french_time(at: datetime, today: datetime) -> str:
    """"14 h 05", "demain à 8 h 00", "lundi 23 à 8 h 00" (Europe/Paris)."""
    local, now = _paris(at), _paris(today)
    clock = f"{local.hour} h {local.minute:02d}"
    if local.date() == now.date():
        return clock
    if local.date() == now.date() + timedelta(days=1):
        return f"demain à {clock}"
    return f"{_DAYS[local.weekday()]} {local.day} à {clock}"


def promise_text(minutes: float, *, is_open: bool, next_open: datetime | None, routing_now: datetime) -> str:
    promise = f"Nous vous rappelons dans les {minutes:g} minutes pendant les heures d'ouverture"
    if is_open:
        return f"{promise}. Le service est ouvert en ce moment."
    if next_open is None:
        return f"{promise}. Le service est fermé et aucune ouverture n'est prévue prochainement."
    return f"{promise}. Le service est fermé : il rouvre {french_time(next_open, routing_now)}."


def callback_pages(service: AlloService) -> APIRouter:
    router = APIRouter(tags=["pages"])

    @router.get("/rappel", response_class=HTMLResponse,
                summary="Public page: ask to be called back (posts to POST /api/callbacks)")
    async def callback_form(request: Request) -> HTMLResponse:
        routing_now = service.clock()
        state = opening(service.rules.snapshot, LEVEL1_QUEUE, routing_now)
        try:
            sectors = await service.callbacks.store.sectors()
        except Exception:  # the database is away: the general line is still offered, the API says the rest
            sectors = []
        return render(request, "callback.html", None, sectors=sectors,
                      promise=promise_text(service.settings.callback_promise_minutes, is_open=state.is_open,
                                           next_open=state.next_open, routing_now=routing_now))

    return router
