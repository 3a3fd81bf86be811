"""Ops pages of the rules editor: the draft against the live version, the simulator, publish and discard.

The editors (ops_edit) and the published versions (ops_versions) are in their own modules; all of them work on
the backend of allo.rules.editor, the same one the JSON API (allo.api.rules_edit) uses.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from allo.auth.deps import require
from allo.auth.roles import Principal, Role
from allo.rules import editor
from allo.rules.diff import diff
from allo.rules.document import to_snapshot
from allo.rules.edits import ClearTopical, RulesEditError, SetTopical
from allo.service import AlloService
from allo.web import ops_view
from allo.web.ops_edit import ops_edit_pages
from allo.web.ops_state import OpsState, problem_messages
from allo.web.ops_versions import ops_versions_pages
from allo.web.render import render

OPS = require(Role.OPS, page=True)
Me = Annotated[Principal, Depends(OPS)]


def ops_pages(service: AlloService) -> APIRouter:
    router = APIRouter(tags=["ops pages"])
    state = OpsState(service)

    async def overview(request: Request, me: Principal, *, at: str | None = None, keys: str = "",
                       errors: list[str] | None = None, notice: str = "", status_code: int = 200) -> Response:
        async with state.session() as session:
            view = await state.view(session, me)
        context: dict[str, Any] = {"sim_at": at or ops_view.local_input(service.clock()), "sim_keys": keys,
                                   "simulation": None, "sim_error": None,
                                   "changes": diff(view.live_document, view.draft.document)
                                   if view.live_document is not None else [],
                                   "prompt_texts": view.draft.document.prompts,
                                   "topical": view.live_document.topical if view.live_document else None,
                                   "topical_ends": ops_view.local_input(service.clock() + timedelta(days=7))}
        if at is not None:
            try:
                moment, pressed = ops_view.parse_at(at), ops_view.parse_keys(keys)
            except ops_view.SimulationInputError as exc:
                context["sim_error"] = str(exc)
            else:
                live_rules = service.rules.snapshot or to_snapshot(view.live_document or view.draft.document, 0)
                context["simulation"] = await editor.preview(view.draft.document, live_rules, moment, pressed,
                                                             await service.menu_timing())
        return render(request, "ops_rules.html", me, status_code, **view.context(), errors=errors or [],
                      notice=notice, **context)

    @router.get("/ops/rules", response_class=HTMLResponse,
                summary="Page: the draft against the live rules, its problems, the simulator, publish")
    async def rules_page(request: Request, me: Me, *, at: str | None = None, keys: str = "",
                         done: str = "", version: int | None = None, of: int | None = None) -> Response:
        notice = ops_view.DONE.get(done, "").format(version=version, of=of)
        return await overview(request, me, at=at, keys=keys, notice=notice)

    @router.post("/ops/rules/publish", response_class=HTMLResponse,
                 summary="Page form: publish the draft with a comment (refused with the problems if invalid)")
    async def publish(request: Request, me: Me, comment: Annotated[str, Form()] = "") -> Response:
        if not comment.strip():
            return await overview(request, me, errors=["Indiquez un commentaire : il explique la version aux "
                                                       "collègues et dans l'historique."], status_code=422)
        try:
            async with state.session() as session:
                published = await editor.publish(session, me, comment.strip())
                await session.commit()
        except RulesEditError as exc:
            return await overview(request, me, errors=problem_messages(exc), status_code=422)
        except editor.StaleDraftError as exc:
            return await overview(request, me, errors=[str(exc)], status_code=409)
        return RedirectResponse(f"/ops/rules?done=publish&version={published.id}", status_code=303)

    async def publish_topical(request: Request, me: Principal, edit: SetTopical | ClearTopical,
                              done: str) -> Response:
        try:
            async with state.session() as session:
                published = await editor.publish_topical(session, me, edit, service.clock())
        except RulesEditError as exc:
            return await overview(request, me, errors=problem_messages(exc), status_code=422)
        return RedirectResponse(f"/ops/rules?done={done}&version={published.id}#topical", status_code=303)

    @router.post("/ops/rules/topical", response_class=HTMLResponse,
                 summary="Page form: set the topical message and publish it at once (a new rules version)")
    async def topical(request: Request, me: Me, text: Annotated[str, Form()] = "",
                      ends: Annotated[str, Form()] = "") -> Response:
        try:
            until = datetime.fromisoformat(ends.strip())
        except ValueError:
            return await overview(request, me, errors=["Message d'actualité : indiquez la date et l'heure de fin "
                                                       "(JJ/MM/AAAA HH:MM)"], status_code=422)
        return await publish_topical(request, me, SetTopical(op="set_topical", text=text[:2000], ends=until),
                                     "topical")

    @router.post("/ops/rules/topical/withdraw", response_class=HTMLResponse,
                 summary="Page form: withdraw the topical message now (a new rules version)")
    async def withdraw_topical(request: Request, me: Me) -> Response:
        return await publish_topical(request, me, ClearTopical(op="clear_topical"), "topical_withdrawn")

    @router.post("/ops/rules/discard", response_class=HTMLResponse,
                 summary="Page form: discard my draft (the next edit starts again from the live version)")
    async def discard(me: Me) -> Response:
        async with state.session() as session:
            await editor.discard_draft(session, me)
            await session.commit()
        return RedirectResponse("/ops/rules?done=discard", status_code=303)

    router.include_router(ops_versions_pages(state))
    router.include_router(ops_edit_pages(state))
    return router
