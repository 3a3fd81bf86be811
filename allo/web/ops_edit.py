"""The editors of the ops pages: one page per part of the rules, and one form handler for every edit.

A refused edit re-renders the page with the readable messages (status 422) and the draft is unchanged; an
accepted one redirects back to the page (post/redirect/get), except a new access code which is shown once.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from allo.auth.deps import require
from allo.auth.roles import Principal, Role
from allo.directory import pivots
from allo.rules import editor
from allo.rules.edits import RulesEditError, parse_edit
from allo.rules.survey import SURVEY_PROMPTS
from allo.web import ops_view
from allo.web.ops_forms import FormError, edit_from_form, field_of, section_of
from allo.web.ops_state import OpsState, problem_messages
from allo.web.render import render
from routing.calendar_types import PARIS

Me = Annotated[Principal, Depends(require(Role.OPS, page=True))]
Section = Literal["calendars", "codes", "sectors", "queues", "menus", "prompts", "escalations", "survey"]


def upload_url(prompt: str) -> str:
    return f"/api/prompts/{quote(prompt, safe='/')}/recording"


def ops_edit_pages(state: OpsState) -> APIRouter:
    router = APIRouter()

    async def section_page(request: Request, me: Principal, section: str, *, errors: list[str] | None = None,
                           notice: str = "", status_code: int = 200, field_errors: dict[str, str] | None = None,
                           **extra: Any) -> Response:
        async with state.session() as session:
            view = await state.view(session, me)
        document = view.draft.document
        # Each message next to its field: the refused edit's first, else the draft's own problems.
        beside = {p.path: p.message for p in view.draft.problems} | (field_errors or {})
        return render(request, f"ops_{section}.html", me, status_code, **view.context(), errors=errors or [],
                      notice=notice, today=state.service.clock().astimezone(PARIS).date().isoformat(),
                      services_of_calendar=ops_view.services_of_calendar(document.services),
                      upload_url=upload_url, pivot_labels=pivots.LABELS, field_errors=beside,
                      survey_prompts=SURVEY_PROMPTS, **extra)

    @router.get("/ops/rules/{section}", response_class=HTMLResponse,
                summary="Page: edit one part of my draft (calendars, codes, sectors, queues, menus, prompts, "
                        "escalations, survey)")
    async def edit_page(request: Request, me: Me, section: Section, done: str = "") -> Response:
        return await section_page(request, me, section, notice=ops_view.DONE.get(done, ""))

    @router.post("/ops/rules/edit", response_class=HTMLResponse,
                 summary="Page form: apply one edit to my draft (field `op` as in POST /api/rules/draft/edits)")
    async def edit(request: Request, me: Me) -> Response:
        fields = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
        section = section_of(fields)
        try:
            parsed = parse_edit(edit_from_form(fields))
            async with state.session() as session:
                result = await editor.apply_edit(session, me, parsed, now=state.service.clock())
                await session.commit()
        except FormError as exc:
            return await section_page(request, me, section, errors=[str(exc)], status_code=422,
                                      field_errors={field_of(fields): str(exc)}, typed=fields)
        except RulesEditError as exc:
            beside = {problem.path: problem.message for problem in exc.problems}
            if field_of(fields) and field_of(fields) not in beside:  # a malformed edit: paths name its own fields
                beside[field_of(fields)] = problem_messages(exc)[0]
            return await section_page(request, me, section, errors=problem_messages(exc), status_code=422,
                                      field_errors=beside, typed=fields)
        if result.plaintext_code:
            scope = fields.get("sector") or "tous les secteurs"
            return await section_page(request, me, section, new_code=result.plaintext_code,
                                      new_code_scope=f"{fields.get('service', '')} / {scope}")
        return RedirectResponse(f"/ops/rules/{section}?done=edit", status_code=303)

    return router
