"""Signing in with a username and password, for the API's bearer tokens and the pages' session cookie alike:
rate-limited per name and per address, 401 on bad credentials, 503 when the database is away."""

from __future__ import annotations

import time

from fastapi import HTTPException, Request, status

from allo.auth.ratelimit import LoginLimiter
from allo.auth.roles import AuthMethod
from allo.auth.store import AuthStore, Login
from allo.db.errors import value_refused


def client_address(request: Request) -> str:
    return request.client.host if request.client else "?"


async def checked_login(auth: AuthStore, limiter: LoginLimiter, request: Request, username: str, password: str, *,
                        method: AuthMethod) -> Login:
    """Rate-limited login; raises 429 when limited, 401 on bad credentials, 503 when the database is away."""
    address, now = client_address(request), time.monotonic()
    wait = limiter.retry_after(username, address, now)
    if wait > 0:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS,
                            f"too many failed logins; retry in {int(wait) + 1} s",
                            headers={"Retry-After": str(int(wait) + 1)})
    try:
        login = await auth.login(username, password, method)
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
