"""Account administration shared by the API, the /users page and the `allo users` command.

Every change is audited in the transaction that makes it; disabling an account or resetting its password revokes
its sessions and tokens in that same transaction. The last enabled admin cannot be disabled or demoted.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from allo.audit.record import audit
from allo.auth.passwords import hash_password, new_password
from allo.auth.roles import Principal, Role
from allo.auth.users import create_user
from allo.db.admin_models import AuthSession, User

EXTENSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")


class UnknownUser(LookupError):
    pass


class AccountRefused(ValueError):
    """A change that would lock the service out (no enabled admin left) or is otherwise not allowed."""


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    role: Role
    extension: str | None
    enabled: bool
    created_at: datetime | None
    last_login_at: datetime | None

    @classmethod
    def of(cls, user: User) -> Account:
        return cls(user.username, user.display_name, Role(user.role), user.extension, user.enabled,
                   user.created_at, user.last_login_at)


@dataclass(frozen=True)
class AccountChange:
    role: Role | None = None
    display_name: str | None = None
    enabled: bool | None = None
    extension: str | None = None
    clear_extension: bool = False
    reset_password: bool = False


@dataclass(frozen=True)
class Changed:
    account: Account
    password: str | None  # the new password after a reset: shown once


def check_profile(display_name: str | None, extension: str | None) -> None:
    if display_name is not None and len(display_name) > 120:
        raise ValueError("the display name is longer than 120 characters")
    if extension is not None and not EXTENSION.match(extension):
        raise ValueError("an extension is a PJSIP endpoint name: letters, digits, '.', '_' or '-' (1-63)")


async def list_accounts(session: AsyncSession) -> list[Account]:
    return [Account.of(user) for user in (await session.scalars(select(User).order_by(User.username))).all()]


async def add_account(session: AsyncSession, who: Principal, username: str, role: Role, *,
                      password: str | None = None, display_name: str = "",
                      extension: str | None = None) -> Changed:
    """Creates and commits an account; a password is generated (and returned, once) when none is given."""
    check_profile(display_name, extension)
    generated = new_password() if password is None else None
    user = await create_user(session, username, role, password or generated or "", display_name=display_name,
                             extension=extension)
    audit(session, who, "user.create", username, role=role.value, extension=extension)
    await session.commit()
    return Changed(Account.of(user), generated)


async def change_account(session: AsyncSession, who: Principal, username: str, change: AccountChange) -> Changed:
    user = await session.scalar(select(User).where(User.username == username).with_for_update())
    if user is None:
        raise UnknownUser(f"no user {username}")
    check_profile(change.display_name, change.extension)
    demoted = change.role is not None and change.role is not Role.ADMIN
    if user.role == Role.ADMIN.value and user.enabled and (demoted or change.enabled is False):
        if user.username == who.username:
            raise AccountRefused("you cannot disable or demote your own account; ask another admin")
        others = await session.scalar(select(func.count()).select_from(User).where(
            User.role == Role.ADMIN.value, User.enabled, User.id != user.id))
        if not others:
            raise AccountRefused("this is the last enabled admin account")
    detail: dict[str, object] = {}
    if change.role is not None and change.role.value != user.role:
        detail["role"] = [user.role, change.role.value]
        user.role = change.role.value
    if change.display_name is not None and change.display_name != user.display_name:
        detail["display_name"] = change.display_name
        user.display_name = change.display_name
    extension = None if change.clear_extension else change.extension
    if (change.clear_extension or change.extension is not None) and extension != user.extension:
        detail["extension"] = [user.extension, extension]
        user.extension = extension
    if change.enabled is not None and change.enabled != user.enabled:
        detail["enabled"] = change.enabled
        user.enabled = change.enabled
    password = None
    if change.reset_password:
        password = new_password()
        user.password_hash = await asyncio.to_thread(hash_password, password)
        detail["password_reset"] = True
    if change.enabled is False or change.reset_password:
        await session.execute(update(AuthSession).where(AuthSession.user_id == user.id,
                                                        AuthSession.revoked_at.is_(None))
                               .values(revoked_at=func.now()))
        detail["sessions"] = "revoked"
    if detail:
        audit(session, who, "user.change", username, **detail)
    await session.commit()
    return Changed(Account.of(user), password)
