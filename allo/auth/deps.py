"""FastAPI dependencies: who is calling, and may they? Every endpoint declares its roles with `require`.

A request is authenticated by `Authorization: Bearer <token>` (API clients) or by the `allo_session` cookie
(web pages). With the cookie, every unsafe method must carry the session's CSRF token, in the `X-CSRF-Token`
header (JavaScript) or a `csrf_token` form field (plain forms).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated, Protocol
from urllib.parse import quote

from fastapi import HTTPException, Request, Security, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from allo.auth.roles import AuthMethod, Principal, Role

SESSION_COOKIE = "allo_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Declares the bearer scheme in OpenAPI ("Authorize" in /docs); reading the header stays in `_authenticate`, which
# also accepts the session cookie.
BEARER = HTTPBearer(auto_error=False, description="A token from `POST /api/auth/token`")


class Authenticator(Protocol):
    async def from_bearer(self, token: str) -> Principal | None: ...

    async def from_cookie(self, token: str) -> Principal | None: ...


class LoginRequired(Exception):  # handled by an exception handler that redirects to /login
    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class PageForbidden(HTTPException):  # a page of another role: answered with a French HTML page, still 403
    def __init__(self, principal: Principal, roles: frozenset[Role]) -> None:
        super().__init__(status.HTTP_403_FORBIDDEN, f"role {principal.role.value} may not open this page")
        self.principal = principal
        self.roles = roles


async def authenticate(request: Request) -> Principal | None:
    try:
        return await _authenticate(request)
    except Exception as exc:  # the accounts database is away: say so rather than "500"
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            f"cannot check credentials right now ({type(exc).__name__}); retry shortly") from exc


async def _authenticate(request: Request) -> Principal | None:
    authenticator: Authenticator = request.app.state.authenticator
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return await authenticator.from_bearer(token.strip())
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return await authenticator.from_cookie(cookie)
    return None


async def _check_csrf(request: Request, principal: Principal) -> None:
    if principal.method is not AuthMethod.COOKIE or request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not principal.csrf_token or not hmac.compare_digest(sent, principal.csrf_token):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "missing or wrong CSRF token; reload the page")


def require(*roles: Role, page: bool = False) -> Callable[..., Awaitable[Principal]]:
    """Dependency returning the caller's Principal; 401 when unknown (pages: redirect to /login), 403 when the
    role is not among `roles` (admin is always allowed)."""
    allowed = frozenset(roles)

    async def dependency(request: Request,
                         _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)]) -> Principal:
        principal = await authenticate(request)
        if principal is None:
            if page:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                raise LoginRequired(quote(target, safe="/?=&"))
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "authentication required",
                                headers={"WWW-Authenticate": "Bearer"})
        if not principal.allowed(allowed):
            if page:
                raise PageForbidden(principal, allowed)
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"role {principal.role.value} may not do this (needs {', '.join(sorted(allowed))})")
        await _check_csrf(request, principal)
        request.state.principal = principal
        return principal

    return dependency
