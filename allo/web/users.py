"""The /users page (admin): list accounts, create one, disable or enable it, reset its password, change its role.

Plain HTML forms (CSRF token in a hidden field); a generated password is shown once on the page that follows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from allo.auth.accounts import (
    AccountChange,
    AccountRefused,
    Changed,
    UnknownUser,
    add_account,
    change_account,
    list_accounts,
)
from allo.auth.deps import require
from allo.auth.roles import Principal, Role
from allo.auth.users import UserExists
from allo.service import AlloService
from allo.web.render import render
from routing.calendar_types import PARIS

ADMIN_PAGE = require(page=True)
ROLE_LABELS = {Role.ADMIN: "administrateur", Role.OPS: "exploitation", Role.SUPERVISOR: "superviseur",
               Role.AGENT: "conseiller"}


def paris(moment: datetime) -> str:
    return moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")


ACTIONS = {"disable": "désactivé (sessions fermées)", "enable": "réactivé", "reset": "mot de passe réinitialisé",
           "role": "rôle modifié"}


def users_pages(service: AlloService) -> APIRouter:
    router = APIRouter(tags=["pages"])

    async def page(request: Request, me: Principal, *, notice: str = "", error: str = "",
                   shown: Changed | None = None, status_code: int = 200) -> HTMLResponse:
        async with AsyncSession(service.engine) as session:
            accounts = await list_accounts(session)
        return render(request, "users.html", me, status_code=status_code, accounts=accounts, roles=list(Role),
                      role_labels=ROLE_LABELS, paris=paris, notice=notice, error=error, shown=shown)

    @router.get("/users", response_class=HTMLResponse, summary="Accounts page (admin)")
    async def users(request: Request, me: Annotated[Principal, Depends(ADMIN_PAGE)]) -> HTMLResponse:
        return await page(request, me)

    @router.post("/users", response_class=HTMLResponse, summary="Accounts page: create an account (admin)")
    async def create(request: Request, *, me: Annotated[Principal, Depends(ADMIN_PAGE)],
                     username: Annotated[str, Form(max_length=63)] = "",
                     role: Annotated[str, Form(max_length=20)] = "",
                     display_name: Annotated[str, Form(max_length=120)] = "",
                     extension: Annotated[str, Form(max_length=63)] = "") -> HTMLResponse:
        if role not in {r.value for r in Role}:
            return await page(request, me, error="Choisissez un rôle.", status_code=422)
        async with AsyncSession(service.engine, expire_on_commit=False) as session:
            try:
                saved = await add_account(session, me, username.strip(), Role(role), display_name=display_name,
                                          extension=extension.strip() or None)
            except UserExists:
                return await page(request, me, error=f"L'identifiant {username} existe déjà.", status_code=409)
            except ValueError as exc:
                return await page(request, me, error=f"Compte non créé : {exc}", status_code=422)
        return await page(request, me, notice=f"Compte {saved.account.username} créé.", shown=saved,
                          status_code=201)

    @router.post("/users/{username}", response_class=HTMLResponse,
                 summary="Accounts page: disable, enable, reset the password of or change the role of an account")
    async def act(request: Request, username: str, *, me: Annotated[Principal, Depends(ADMIN_PAGE)],
                  action: Annotated[str, Form(max_length=20)] = "",
                  role: Annotated[str, Form(max_length=20)] = "") -> HTMLResponse:
        changes = {"disable": AccountChange(enabled=False), "enable": AccountChange(enabled=True),
                   "reset": AccountChange(reset_password=True)}
        if action == "role" and role in {r.value for r in Role}:
            changes["role"] = AccountChange(role=Role(role))
        if action not in changes:
            return await page(request, me, error="Action inconnue.", status_code=422)
        async with AsyncSession(service.engine, expire_on_commit=False) as session:
            try:
                saved = await change_account(session, me, username, changes[action])
            except UnknownUser:
                return await page(request, me, error=f"Aucun compte {username}.", status_code=404)
            except AccountRefused as exc:
                return await page(request, me, error=f"Refusé : {exc}", status_code=409)
        return await page(request, me, notice=f"Compte {username} : {ACTIONS[action]}.", shown=saved)

    return router
