"""The HTTP application: the JSON API (allo/api/) and the pages (allo/web/) mounted on one FastAPI app, with the
error handlers and the OpenAPI document they share."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from allo.api.adviser_reports import adviser_reports_router
from allo.api.agents import agents_router
from allo.api.audit import audit_router
from allo.api.auth import auth_router
from allo.api.best_hours import best_hours_router
from allo.api.callbacks import callbacks_router
from allo.api.calls import calls_router
from allo.api.desk import desk_router
from allo.api.desk_actions import desk_actions_router
from allo.api.desk_calls import desk_calls_router
from allo.api.desk_confirmations import desk_confirmations_router
from allo.api.desk_wrapup import desk_wrapup_router
from allo.api.directory import directory_router
from allo.api.escalation import escalation_router
from allo.api.flags import flags_router
from allo.api.help import help_router
from allo.api.knowledge import knowledge_router
from allo.api.ops_reasons import ops_reasons_router
from allo.api.planning import planning_router
from allo.api.reports import reports_router
from allo.api.reports_barometer import reports_barometer_router
from allo.api.reports_wrapups import reports_wrapups_router
from allo.api.rules_edit import rules_edit_router
from allo.api.status import status_router
from allo.api.supervisor import supervisor_router
from allo.api.survey_answers import survey_answers_router
from allo.api.survey_settings import survey_settings_router
from allo.api.topical import topical_router
from allo.api.users import users_router
from allo.auth.deps import LoginRequired, PageForbidden
from allo.auth.roles import Role
from allo.http import db_errors
from allo.http.openapi_doc import document_refusals
from allo.service import AlloService
from allo.web.adviser_reports import adviser_reports_pages
from allo.web.callback_page import callback_pages
from allo.web.calls import calls_pages
from allo.web.dashboard import dashboard_pages
from allo.web.desk import desk_pages
from allo.web.knowledge import knowledge_pages
from allo.web.login import login_pages
from allo.web.ops import ops_pages
from allo.web.ops_flags import ops_flags_pages
from allo.web.ops_reasons import ops_reasons_pages
from allo.web.planning import planning_pages
from allo.web.render import STATIC_DIR, render
from allo.web.reports import reports_pages
from allo.web.reports_barometer import reports_barometer_pages
from allo.web.users import users_pages


def create_app(service: AlloService) -> FastAPI:
    app = FastAPI(title="allo", version="0.1.0",
                  description="IVR and call routing for the 3939 administrative-information hotline. "
                              "Authenticate with `POST /api/auth/token` and send `Authorization: Bearer <token>`.")
    app.state.authenticator = service.auth
    db_errors.install(app)
    document_refusals(app)

    @app.exception_handler(LoginRequired)
    async def to_login(_request: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse(f"/login?next={exc.next_url}", status_code=303)

    @app.exception_handler(PageForbidden)
    async def forbidden_page(request: Request, exc: PageForbidden) -> Response:
        return render(request, "forbidden.html", exc.principal, status_code=403,
                      roles=sorted(role.value for role in exc.roles | {Role.ADMIN}))

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    app.include_router(status_router(service))
    app.include_router(calls_router(service))
    app.include_router(agents_router(service))
    app.include_router(callbacks_router(service))
    app.include_router(escalation_router(service))
    app.include_router(survey_settings_router(service))  # issue 19: the survey for ops and supervisors
    app.include_router(survey_answers_router(service))
    for router in (auth_router, users_router, supervisor_router, rules_edit_router, topical_router, reports_router,
                   audit_router, knowledge_router, directory_router, desk_router, desk_calls_router,
                   desk_actions_router, help_router, flags_router,
                   desk_wrapup_router, ops_reasons_router, reports_wrapups_router,
                   desk_confirmations_router,
                   login_pages, users_pages, dashboard_pages, ops_pages, reports_pages, calls_pages, callback_pages,
                   knowledge_pages, ops_reasons_pages, ops_flags_pages, desk_pages,
                   reports_barometer_router, reports_barometer_pages):
        app.include_router(router(service))
    app.include_router(adviser_reports_router(service))  # issue 19: per-adviser figures
    app.include_router(adviser_reports_pages(service))
    app.include_router(planning_router(service))  # issue 20: the week plan
    app.include_router(planning_pages(service))
    app.include_router(best_hours_router(service))  # issue 20: public, no token
    return app
