"""Web sign-in: the /login form, /logout, and / which sends each role to its own page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from allo.auth.deps import SESSION_COOKIE, authenticate, require
from allo.auth.guards import home_of, safe_next, same_site_post
from allo.auth.login import checked_login
from allo.auth.roles import AuthMethod, Principal, Role
from allo.service import AlloService
from allo.web.render import render

EVERYONE = (Role.ADMIN, Role.OPS, Role.SUPERVISOR, Role.AGENT)

MESSAGES = {
    401: "Identifiant ou mot de passe incorrect.",
    503: "La connexion est momentanément impossible ; réessayez dans quelques instants.",
}


def _too_many(exc: HTTPException) -> str:
    wait = (exc.headers or {}).get("Retry-After", "quelques")
    return f"Trop de tentatives échouées : réessayez dans {wait} secondes."


def login_pages(service: AlloService) -> APIRouter:
    router = APIRouter(tags=["pages"])
    secure = service.settings.cookie_secure

    def form(request: Request, next_url: str | None, username: str = "", error: str = "",
             status_code: int = 200) -> HTMLResponse:
        return render(request, "login.html", None, status_code=status_code, next_url=next_url or "",
                      username=username, error=error)

    @router.get("/login", response_class=HTMLResponse, summary="Sign-in page (web session)")
    async def login_form(request: Request, next: str | None = None) -> Response:
        me = await authenticate(request)
        if me is not None and me.method is AuthMethod.COOKIE:
            return RedirectResponse(safe_next(next) or home_of(me.role), status_code=303)
        return form(request, safe_next(next))

    @router.post("/login", response_class=HTMLResponse,
                 responses={303: {"description": "signed in: to `next` or the role's home page"},
                            400: {"description": "empty username or password"},
                            401: {"description": "unknown user or wrong password"},
                            403: {"description": "posted from another site"},
                            429: {"description": "too many failed logins"}},
                 summary="Sign in with a username and password; sets the session cookie")
    async def login(request: Request, username: Annotated[str, Form(max_length=63)] = "",
                    password: Annotated[str, Form(max_length=256)] = "",
                    next: Annotated[str, Form(max_length=2000)] = "") -> Response:
        target = safe_next(next)
        if not same_site_post(request.headers.get("host"), request.headers.get("origin"),
                              request.headers.get("referer")):
            return form(request, target, username, "Connexion refusée : le formulaire ne vient pas de ce site.",
                        403)
        if not username or not password:
            return form(request, target, username, "Saisissez votre identifiant et votre mot de passe.", 400)
        try:
            signed_in = await checked_login(service.auth, service.login_limiter, request,
                                            username.strip().lower(), password, method=AuthMethod.COOKIE)
        except HTTPException as exc:
            message = _too_many(exc) if exc.status_code == 429 else MESSAGES.get(exc.status_code, str(exc.detail))
            return form(request, target, username, message, exc.status_code)
        response = RedirectResponse(target or home_of(signed_in.principal.role), status_code=303)
        response.set_cookie(SESSION_COOKIE, signed_in.token, expires=signed_in.expires_at, path="/",
                            secure=secure, httponly=True, samesite="strict")
        return response

    @router.post("/logout", responses={303: {"description": "to the sign-in page"}},
                 summary="Sign out: ends the web session (CSRF token required) and clears its cookie")
    async def logout(request: Request, _me: Annotated[Principal, Depends(require(*EVERYONE, page=True))]) -> Response:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            await service.auth.revoke(cookie)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="strict")
        return response

    @router.get("/", response_class=HTMLResponse, responses={303: {"description": "to the role's home page"}},
                summary="Home: supervisors and admins to the dashboard, ops to the rules; agents get a short page")
    async def home(request: Request, me: Annotated[Principal, Depends(require(*EVERYONE, page=True))]) -> Response:
        target = home_of(me.role)
        if target != "/":
            return RedirectResponse(target, status_code=303)
        return render(request, "home_agent.html", me)

    return router
