"""Service status over HTTP: health (public), Prometheus metrics, the rules version in use and the live queues."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel

from acd.queues.summary import member_counts
from allo.auth.deps import require
from allo.auth.roles import Principal, Role
from allo.queues.stats import SharedTodayCounts
from allo.service import AlloService


class Health(BaseModel):
    status: str
    database: str
    ami: str
    fastagi: str
    rules: str
    # Which node answered, so that a probe through a load balancer knows; None on a single node (`make run`).
    node: str | None = None


def status_router(service: AlloService) -> APIRouter:
    router = APIRouter()

    # Public on purpose: load balancers and uptime probes call it without credentials (docs/accounts.md).
    @router.get("/healthz", response_model=Health, responses={503: {"model": Health}},
             summary="State of the database, the AMI session and the FastAGI server")
    async def healthz() -> JSONResponse:
        parts = await service.health()
        ok = all(parts[part] == "up" for part in ("database", "ami", "fastagi"))
        body = Health(status="ok" if ok else "degraded", node=service.settings.node_name or None, **parts)
        return JSONResponse(body.model_dump(), status_code=200 if ok else 503)

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics(_me: Annotated[Principal, Depends(require(Role.OPS))]) -> Response:
        await service.health()
        return Response(service.metrics.render(), media_type=CONTENT_TYPE_LATEST)

    @router.get("/api/rules/version", summary="Version of the routing rules the FastAGI server is using")
    async def rules_version(_me: Annotated[Principal, Depends(require(Role.OPS, Role.SUPERVISOR))]
                            ) -> dict[str, int | str | None]:
        changed = service.rules.snapshot
        return {"version": service.rules.version, "loaded": changed is not None,
                "listening": "yes" if service.rules.listening else "no"}

    shared_counts = SharedTodayCounts(service.engine)

    @router.get("/api/queues", summary="Every queue: waiting callers, longest wait, agents by state, today's figures "
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
            queue["entry_offer"] = {"at_waiting": policy.offer_at_waiting, "at_wait_s": policy.offer_at_wait_s}
            queue["announce_every"] = policy.announce_every
            queue["wrapup_s"] = service.queue_figures.wrapup_time(queue["name"])  # allo's wrap-up after a call
        return {"ami": "up" if service.ami.connected else "down", **live}

    return router
