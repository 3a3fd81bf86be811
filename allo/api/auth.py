"""Bearer tokens for API clients: `POST /api/auth/token` with a username and password."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from pydantic import BaseModel

from allo.auth.deps import require
from allo.auth.login import checked_login
from allo.auth.roles import AuthMethod, Principal, Role
from allo.service import AlloService

EVERYONE = (Role.ADMIN, Role.OPS, Role.SUPERVISOR, Role.AGENT)


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_at: datetime
    username: str
    role: Role


class Me(BaseModel):
    username: str
    role: Role
    method: AuthMethod
    extension: str | None


def auth_router(service: AlloService) -> APIRouter:
    router = APIRouter(prefix="/api/auth", tags=["accounts"])

    @router.post("/token", response_model=Token, summary="Exchange a username and password for a bearer token",
                 responses={401: {"description": "Unknown user or wrong password"},
                            429: {"description": "Too many failed logins (see Retry-After)"}})
    async def token(request: Request, username: Annotated[str, Form(max_length=63)],
                    password: Annotated[str, Form(max_length=256)]) -> Token:
        login = await checked_login(service.auth, service.login_limiter, request, username, password,
                                    method=AuthMethod.BEARER)
        return Token(access_token=login.token, expires_at=login.expires_at, username=login.principal.username,
                     role=login.principal.role)

    @router.delete("/token", status_code=204, summary="Revoke the bearer token used for this request")
    async def revoke(request: Request, _me: Annotated[Principal, Depends(require(*EVERYONE))]) -> None:
        _scheme, _, value = request.headers.get("authorization", "").partition(" ")
        await service.auth.revoke(value.strip())

    @router.get("/me", response_model=Me, summary="Who the credentials of this request belong to")
    async def me(who: Annotated[Principal, Depends(require(*EVERYONE))]) -> Me:
        return Me(username=who.username, role=who.role, method=who.method, extension=who.extension)

    return router
