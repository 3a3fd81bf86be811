"""The HTTP API: health, metrics and the live queues."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel

from acd.queue_summary import member_counts
from allo.api import db_errors
from allo.api.agents import agents_router
from allo.api.audit import audit_router
from allo.api.auth import auth_router
from allo.api.callbacks import callbacks_router
from allo.api.calls import calls_router
from allo.api.openapi_doc import document_refusals
from allo.api.reports import reports_router
from allo.api.rules_edit import rules_edit_router
from allo.api.supervisor import supervisor_router
from allo.api.users import users_router
from allo.auth.deps import LoginRequired, PageForbidden, require
from allo.auth.roles import Principal, Role
from allo.queues.stats import SharedTodayCounts
from allo.service import AlloService
from allo.web.dashboard import dashboard_pages
from allo.web.login import login_pages
from allo.web.ops import ops_pages
from allo.web.render import STATIC_DIR, render
from allo.web.reports import reports_pages
from allo.web.users import users_pages


class Health(BaseModel):
    status: str
    database: str
    ami: str
    fastagi: str
    rules: str


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

    # Public on purpose: load balancers and uptime probes call it without credentials (docs/accounts.md).
    @app.get("/healthz", response_model=Health, responses={503: {"model": Health}},
             summary="State of the database, the AMI session and the FastAGI server")
    async def healthz() -> JSONResponse:
        parts = await service.health()
        ok = all(parts[part] == "up" for part in ("database", "ami", "fastagi"))
        body = Health(status="ok" if ok else "degraded", **parts)
        return JSONResponse(body.model_dump(), status_code=200 if ok else 503)

    @app.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics(_me: Annotated[Principal, Depends(require(Role.OPS))]) -> Response:
        await service.health()
        return Response(service.metrics.render(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/api/rules/version", summary="Version of the routing rules the FastAGI server is using")
    async def rules_version(_me: Annotated[Principal, Depends(require(Role.OPS, Role.SUPERVISOR))]
                            ) -> dict[str, int | str | None]:
        changed = service.rules.snapshot
        return {"version": service.rules.version, "loaded": changed is not None,
                "listening": "yes" if service.rules.listening else "no"}

    shared_counts = SharedTodayCounts(service.engine)

    @app.get("/api/queues", summary="Every queue: waiting callers, longest wait, agents by state, today's figures "
                                    "(those at most half a second old)")
    async def queues(_me: Annotated[Principal, Depends(require(*Role))]) -> dict[str, Any]:
        live = service.live.to_dict()
        try:
            today: dict[str, dict[str, int]] | None = await shared_counts.get(datetime.now(UTC))
        except Exception:  # the live part is still worth showing while the database is away
            today = None
        for queue in live["queues"]:
            state = service.live.queues.get(queue["name"])
            queue["agents"] = member_counts(state) if state is not None else {}
            queue["today"] = None if today is None else today.get(queue["name"], {"answered": 0, "abandoned": 0})
            policy = service.queue_figures.policy(queue["name"])
            queue["max_wait"] = {"seconds": policy.max_wait, "then": policy.on_max_wait.value,
                                 "overflow_queue": policy.overflow_queue}
        return {"ami": "up" if service.ami.connected else "down", **live}

    app.include_router(calls_router(service))
    app.include_router(agents_router(service))
    app.include_router(callbacks_router(service))
    for router in (auth_router, users_router, supervisor_router, rules_edit_router, reports_router, audit_router,
                   login_pages, users_pages, dashboard_pages, ops_pages, reports_pages):
        app.include_router(router(service))
    return app
