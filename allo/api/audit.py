"""Audit log API: who changed what and when, newest first (who sees what: allo/audit/log.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field

from allo.audit.log import MAX_LIMIT, BadAuditParams, parse_query, read_entries
from allo.auth.deps import require
from allo.auth.roles import Principal, Role
from allo.http.params import INT8_MAX
from allo.service import AlloService

READERS = (Role.OPS, Role.SUPERVISOR)


class AuditEntryOut(BaseModel):
    id: int
    at: str = Field(description="local time (Europe/Paris), ISO 8601 with the offset")
    actor: str
    role: str
    action: str = Field(examples=["user.create", "agent.pause"])
    target: str
    detail: dict[str, Any]


class AuditPageOut(BaseModel):
    entries: list[AuditEntryOut]
    next_before: int | None = Field(description="pass as `before` to get older entries; null at the end")


def audit_router(service: AlloService) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["audit"])

    @router.get("/audit", response_model=AuditPageOut,
                responses={422: {"description": "malformed since or limit out of range"}},
                summary="The audit log, newest first: rules changes and supervisor actions (account "
                        "administration: admins only)")
    async def get_audit(
        *,
        me: Annotated[Principal, Depends(require(*READERS))],
        since: Annotated[str | None, Query(description="from this local date or ISO date-time")] = None,
        actor: Annotated[str | None, Query(description="username who acted")] = None,
        action: Annotated[str | None, Query(description="exact action, or a prefix ending with *")] = None,
        before: Annotated[int | None, Query(ge=1, le=INT8_MAX,
                                            description="only entries older than this id (paging)")] = None,
        limit: Annotated[int | None, Query(description=f"1 to {MAX_LIMIT}, default 100")] = None,
    ) -> AuditPageOut:
        try:
            query = parse_query(since, actor, action, before, limit)
        except BadAuditParams as exc:
            raise HTTPException(422, {"error": "bad_parameters", "message": str(exc)}) from exc
        entries = await read_entries(service.engine, query, admin=me.role is Role.ADMIN)
        full = len(entries) == query.limit
        return AuditPageOut(entries=[AuditEntryOut(**e) for e in entries],
                            next_before=entries[-1]["id"] if full and entries else None)

    return router
