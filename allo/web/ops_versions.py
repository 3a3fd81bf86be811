"""Published versions: who published what and when, the difference between any two, rollback."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from allo.auth.deps import require
from allo.auth.roles import Principal, Role
from allo.http.params import RowId, RowIdQuery
from allo.rules import editor
from allo.rules.diff import diff
from allo.rules.document import RulesDocument
from allo.rules.edits import RulesEditError
from allo.rules.versions import get_version, list_versions
from allo.web.ops_state import OpsState, problem_messages
from allo.web.ops_view import DONE
from allo.web.render import render

Me = Annotated[Principal, Depends(require(Role.OPS, page=True))]


def ops_versions_pages(state: OpsState) -> APIRouter:
    router = APIRouter()

    async def versions_page(request: Request, me: Principal, *, a: int | None = None, b: int | None = None,
                            errors: list[str] | None = None, notice: str = "", status_code: int = 200) -> Response:
        async with state.session() as session:
            view = await state.view(session, me)
            versions = sorted(await list_versions(session), key=lambda v: v.id, reverse=True)
            documents: dict[int, RulesDocument] = {}
            for wanted in (a, b):
                if wanted is not None and wanted not in documents:
                    found = await get_version(session, wanted)
                    if found is not None:
                        documents[wanted] = RulesDocument.model_validate(found.document)
        context: dict[str, Any] = {"versions": versions, "diff_changes": None,
                                   "compare_a": a if a is not None else (versions[1].id if len(versions) > 1 else None),
                                   "compare_b": b if b is not None else (versions[0].id if versions else None)}
        problems = list(errors or [])
        if a is not None and b is not None:
            missing = [str(v) for v in (a, b) if v not in documents]
            if missing:
                problems.append(f"Version inconnue : {', '.join(missing)}.")
                status_code = 404
            else:
                context["diff_changes"] = diff(documents[a], documents[b])
        return render(request, "ops_versions.html", me, status_code, **view.context(), errors=problems,
                      notice=notice, **context)

    @router.get("/ops/rules/versions", response_class=HTMLResponse,
                summary="Page: published versions with who, when and why; compare two; roll back")
    async def versions(request: Request, me: Me, done: str = "", version: int | None = None,
                       of: int | None = None) -> Response:
        return await versions_page(request, me, notice=DONE.get(done, "").format(version=version, of=of))

    @router.get("/ops/rules/versions/diff", response_class=HTMLResponse,
                summary="Page: what changed from version a to version b")
    async def compare(request: Request, me: Me, a: RowIdQuery, b: RowIdQuery) -> Response:
        return await versions_page(request, me, a=a, b=b)

    @router.post("/ops/rules/versions/{version_id}/rollback", response_class=HTMLResponse,
                 summary="Page form: publish an earlier version again (a new version, rollback_of the old one)")
    async def rollback(request: Request, me: Me, version_id: RowId,
                       comment: Annotated[str, Form()] = "") -> Response:
        try:
            async with state.session() as session:
                published = await editor.rollback(session, me, version_id,
                                                  comment.strip() or f"retour à la version {version_id}")
                await session.commit()
        except RulesEditError as exc:
            return await versions_page(request, me, errors=problem_messages(exc), status_code=422)
        return RedirectResponse(f"/ops/rules/versions?done=rollback&version={published.id}&of={version_id}",
                                status_code=303)

    return router
