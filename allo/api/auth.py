"""Bearer tokens for API clients: `POST /api/auth/token` with a username and password."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from pydantic import BaseModel

from allo.auth.deps import require
from allo.auth.roles import AuthMethod, Principal, Role
from allo.auth.store import Login
from allo.db.errors import value_refused
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


def client_address(request: Request) -> str:
    return request.client.host if request.client else "?"


async def checked_login(service: AlloService, request: Request, username: str, password: str,
                        method: AuthMethod) -> Login:
    """Rate-limited login; raises 429 when limited, 401 on bad credentials, 503 when the database is away."""
    limiter = service.login_limiter
    address, now = client_address(request), time.monotonic()
    wait = limiter.retry_after(username, address, now)
    if wait > 0:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS,
                            f"too many failed logins; retry in {int(wait) + 1} s",
                            headers={"Retry-After": str(int(wait) + 1)})
    try:
        login = await service.auth.login(username, password, method)
    except Exception as exc:
        if not value_refused(exc):
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                                "cannot check credentials right now; retry shortly") from exc
        login = None  # a name PostgreSQL cannot even compare (a NUL byte): nobody has it
    if login is None:
        limiter.failed(username, address, now)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown user or wrong password",
                            headers={"WWW-Authenticate": "Bearer"})
    limiter.succeeded(username, address)
    return login


def auth_router(service: AlloService) -> APIRouter:
    router = APIRouter(prefix="/api/auth", tags=["accounts"])

    @router.post("/token", response_model=Token, summary="Exchange a username and password for a bearer token",
                 responses={401: {"description": "Unknown user or wrong password"},
                            429: {"description": "Too many failed logins (see Retry-After)"}})
    async def token(request: Request, username: Annotated[str, Form(max_length=63)],
                    password: Annotated[str, Form(max_length=256)]) -> Token:
        login = await checked_login(service, request, username, password, AuthMethod.BEARER)
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
