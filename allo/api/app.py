"""The HTTP API: health, metrics and the live queues."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel

from allo.api.agents import agents_router
from allo.api.calls import calls_router
from allo.service import AlloService


class Health(BaseModel):
    status: str
    database: str
    ami: str
    fastagi: str
    rules: str


def create_app(service: AlloService) -> FastAPI:
    app = FastAPI(title="allo", version="0.1.0",
                  description="IVR and call routing for the 3939 administrative-information hotline")

    @app.get("/healthz", response_model=Health, responses={503: {"model": Health}},
             summary="State of the database, the AMI session and the FastAGI server")
    async def healthz() -> JSONResponse:
        parts = await service.health()
        ok = all(parts[part] == "up" for part in ("database", "ami", "fastagi"))
        body = Health(status="ok" if ok else "degraded", **parts)
        return JSONResponse(body.model_dump(), status_code=200 if ok else 503)

    @app.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics() -> Response:
        await service.health()
        return Response(service.metrics.render(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/api/rules/version", summary="Version of the routing rules the FastAGI server is using")
    async def rules_version() -> dict[str, int | str | None]:
        changed = service.rules.snapshot
        return {"version": service.rules.version, "loaded": changed is not None,
                "listening": "yes" if service.rules.listening else "no"}

    @app.get("/api/queues", summary="Live state of every queue (from AMI)")
    async def queues() -> dict[str, Any]:
        return {"ami": "up" if service.ami.connected else "down", **service.live.to_dict()}

    app.include_router(calls_router(service))
    app.include_router(agents_router(service))
    return app
