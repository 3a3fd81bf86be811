"""The best hours to call, public (no token): JSON and an HTML fragment, cached by browsers and proxies."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel

from allo.planning.best_hours import BestHoursReport
from allo.planning.best_hours_public import best_hours_html, best_hours_json
from allo.service import AlloService

log = logging.getLogger(__name__)


class BestRangeOut(BaseModel):
    weekday: int  # 0 = Monday
    day: str
    start: str  # HH:MM, Paris time
    end: str
    expected_wait_min: float


class QueueBestHoursOut(BaseModel):
    queue: str
    label: str
    text: str
    ranges: list[BestRangeOut]


class BestHoursOut(BaseModel):
    generated_at: str
    queues: list[QueueBestHoursOut]


UNAVAILABLE = "Les meilleurs moments pour appeler sont momentanément indisponibles."


async def _report(service: AlloService) -> BestHoursReport | None:
    """None when they could never be computed (database away since start-up)."""
    try:
        return await service.best_hours.report()
    except Exception as exc:
        log.warning("best hours unavailable: %s", type(exc).__name__)
        return None


def best_hours_router(service: AlloService) -> APIRouter:
    router = APIRouter(tags=["public"])
    cache = {"Cache-Control": f"public, max-age={int(service.settings.best_hours_cache_seconds)}"}

    # Public on purpose (issue 20): a website shows when to call; the body has no personal data.
    @router.get("/public/best-hours.json", response_model=BestHoursOut,
                summary="The best hours to call each queue (public, cached): the quietest open half-hours")
    async def best_hours() -> JSONResponse:
        report = await _report(service)
        if report is None:
            return JSONResponse({"detail": UNAVAILABLE}, status_code=503)
        body: dict[str, Any] = best_hours_json(report)
        return JSONResponse(body, headers=cache)

    @router.get("/public/best-hours.html", response_class=HTMLResponse,
                summary="The best hours to call as a small French HTML fragment to embed (public, cached)")
    async def best_hours_fragment() -> HTMLResponse:
        report = await _report(service)
        if report is None:
            return HTMLResponse(f"<p>{UNAVAILABLE}</p>\n", status_code=503)
        return HTMLResponse(best_hours_html(report), headers=cache)

    return router
