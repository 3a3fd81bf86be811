"""Accounts API (admin only): list, create, change role / name / extension / enabled, reset a password."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from allo.auth.accounts import (
    Account,
    AccountChange,
    AccountRefused,
    UnknownUser,
    add_account,
    change_account,
    list_accounts,
)
from allo.auth.deps import require
from allo.auth.passwords import WeakPassword
from allo.auth.roles import Principal, Role
from allo.auth.users import BadUsername, UserExists
from allo.service import AlloService

ADMIN_ONLY = require()  # admin is always allowed; nobody else


class UserOut(BaseModel):
    username: str
    display_name: str
    role: Role
    extension: str | None
    enabled: bool
    created_at: datetime | None
    last_login_at: datetime | None

    @classmethod
    def of(cls, account: Account) -> UserOut:
        return cls.model_validate(account, from_attributes=True)


class UserIn(BaseModel):
    username: str = Field(min_length=2, max_length=63, examples=["m.dupont"])
    role: Role
    display_name: str = Field(default="", max_length=120)
    extension: str | None = Field(default=None, max_length=63,
                                  description="PJSIP endpoint: a supervisor's softphone, an agent's own phone")
    password: str | None = Field(default=None, max_length=256, description="none: one is generated and shown once")


class UserChange(BaseModel):
    role: Role | None = None
    display_name: str | None = Field(default=None, max_length=120)
    enabled: bool | None = Field(default=None, description="false also revokes every session and token")
    extension: str | None = Field(default=None, max_length=63, description="null clears it")
    reset_password: bool = Field(default=False, description="a new password is generated, shown once; "
                                 "every session and token is revoked")


class UserSaved(BaseModel):
    user: UserOut
    password: str | None = Field(description="a generated password, shown this once; null otherwise")


def users_router(service: AlloService) -> APIRouter:
    router = APIRouter(prefix="/api/users", tags=["accounts"])

    @router.get("", response_model=list[UserOut], summary="Every account with its role and last login (admin)")
    async def list_users(_me: Annotated[Principal, Depends(ADMIN_ONLY)]) -> list[UserOut]:
        async with AsyncSession(service.engine) as session:
            return [UserOut.of(account) for account in await list_accounts(session)]

    @router.post("", response_model=UserSaved, status_code=201,
                 responses={409: {"description": "the username is taken"},
                            422: {"description": "bad username, weak password or bad extension"}},
                 summary="Create an account (admin); without a password, one is generated and shown once")
    async def create(body: UserIn, me: Annotated[Principal, Depends(ADMIN_ONLY)]) -> UserSaved:
        async with AsyncSession(service.engine, expire_on_commit=False) as session:
            try:
                saved = await add_account(session, me, body.username, body.role, password=body.password,
                                          display_name=body.display_name, extension=body.extension)
            except UserExists as exc:
                raise HTTPException(409, str(exc)) from exc
            except (BadUsername, WeakPassword, ValueError) as exc:
                raise HTTPException(422, str(exc)) from exc
        return UserSaved(user=UserOut.of(saved.account), password=saved.password)

    @router.patch("/{username}", response_model=UserSaved,
                  responses={404: {"description": "no such user"},
                             409: {"description": "would leave no enabled admin, or acts on your own admin account"}},
                  summary="Change an account (admin): role, name, extension, enabled, reset its password")
    async def change(username: str, body: UserChange, me: Annotated[Principal, Depends(ADMIN_ONLY)]) -> UserSaved:
        wanted = AccountChange(role=body.role, display_name=body.display_name, enabled=body.enabled,
                               extension=body.extension,
                               clear_extension="extension" in body.model_fields_set and body.extension is None,
                               reset_password=body.reset_password)
        async with AsyncSession(service.engine, expire_on_commit=False) as session:
            try:
                saved = await change_account(session, me, username, wanted)
            except UnknownUser as exc:
                raise HTTPException(404, str(exc)) from exc
            except AccountRefused as exc:
                raise HTTPException(409, str(exc)) from exc
            except ValueError as exc:
                raise HTTPException(422, str(exc)) from exc
        return UserSaved(user=UserOut.of(saved.account), password=saved.password)

    return router
