"""Accounts: create, and the demo accounts `make run` prints (one per role)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from allo.auth.passwords import hash_password, new_password
from allo.auth.roles import Role
from allo.db.admin_models import User

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")

# username, role, display name, PJSIP endpoint a supervisor listens from
DEMO_USERS: tuple[tuple[str, Role, str, str | None], ...] = (
    ("admin", Role.ADMIN, "Administratrice démo", None),
    ("ops", Role.OPS, "Exploitation démo", None),
    ("superviseur", Role.SUPERVISOR, "Superviseur démo", "sup2001"),  # sup2001: seeded in allo/db/seed.py
    ("conseiller", Role.AGENT, "Conseiller démo", None),
)
DEMO_USERS_FILE = "demo-users.txt"


class UserExists(ValueError):
    pass


class BadUsername(ValueError):
    pass


async def create_user(session: AsyncSession, username: str, role: Role, password: str, *,
                      display_name: str = "", extension: str | None = None) -> User:
    """Adds and flushes the user (the caller commits); refuses bad or taken usernames and weak passwords."""
    if not USERNAME.match(username):
        raise BadUsername("usernames are 2-63 characters: lower-case letters, digits, '.', '_' or '-'")
    if await session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserExists(f"user {username} already exists")
    digest = await asyncio.to_thread(hash_password, password)  # ~0.1 s of CPU: off the event loop
    user = User(username=username, role=role.value, password_hash=digest,
                display_name=display_name, extension=extension)
    session.add(user)
    await session.flush()
    return user


async def seed_demo_users(session: AsyncSession) -> dict[str, tuple[Role, str]]:
    """Creates the missing demo users; returns username -> (role, password) of those created (shown once)."""
    created: dict[str, tuple[Role, str]] = {}
    for username, role, display, extension in DEMO_USERS:
        if await session.scalar(select(User.id).where(User.username == username)) is not None:
            continue
        password = new_password()
        await create_user(session, username, role, password, display_name=display, extension=extension)
        created[username] = (role, password)
    await session.commit()
    return created


def remember_demo_users(state_dir: Path, created: dict[str, tuple[Role, str]]) -> Path:
    path = state_dir / DEMO_USERS_FILE
    path.touch(mode=0o600, exist_ok=True)
    with path.open("a") as out:
        for username, (role, password) in created.items():
            out.write(f"{username} {role.value} {password}\n")
    return path


def read_demo_users(state_dir: Path) -> dict[str, tuple[Role, str]]:
    path = state_dir / DEMO_USERS_FILE
    if not path.exists():
        return {}
    users: dict[str, tuple[Role, str]] = {}
    for line in path.read_text().splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3:
            users[parts[0]] = (Role(parts[1]), parts[2])
    return users
