"""`allo users …`: create the first admin (or any account) and list accounts, on the server, without the web."""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from allo.auth.accounts import Account, Changed, add_account, list_accounts
from allo.auth.passwords import WeakPassword
from allo.auth.roles import AuthMethod, Principal, Role
from allo.auth.users import BadUsername, UserExists
from allo.db.engine import make_engine, make_sessionmaker
from allo.settings import Settings

T = TypeVar("T")


def _operator() -> Principal:
    """Who the audit log names for a command run on the server: the operating-system user."""
    return Principal(0, f"cli:{getpass.getuser()}"[:63], Role.ADMIN, AuthMethod.CLI)


async def _with_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    engine = make_engine(settings, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as session:
            return await work(session)
    finally:
        await engine.dispose()


def _read_password(path: Path | None) -> str | None:
    if path is None:
        return None
    source = sys.stdin.read() if str(path) == "-" else path.read_text()
    return source.rstrip("\r\n")


def create_command(settings: Settings, username: str, role: Role, password_file: Path | None, *,
                   display_name: str = "", extension: str | None = None) -> int:
    """Exit 0 and the account (with its generated password) on stdout; 1 and the reason on stderr otherwise."""
    try:
        password = _read_password(password_file)
    except OSError as exc:
        print(f"allo: cannot read the password file: {exc}", file=sys.stderr)
        return 1

    async def work(session: AsyncSession) -> Changed:
        return await add_account(session, _operator(), username, role, password=password,
                                 display_name=display_name, extension=extension)

    try:
        saved = asyncio.run(_with_session(settings, work))
    except UserExists:
        print(f"allo: user {username} already exists; nothing changed", file=sys.stderr)
        return 1
    except WeakPassword as exc:
        print(f"allo: password refused: {exc}; nothing changed", file=sys.stderr)
        return 1
    except (BadUsername, ValueError) as exc:
        print(f"allo: {exc}; nothing changed", file=sys.stderr)
        return 1
    print(f"created {role.value} account {saved.account.username}")
    if saved.password is not None:
        print(f"password (shown once): {saved.password}")
    return 0


def format_accounts(accounts: list[Account]) -> str:
    lines = [f"{'USERNAME':<20} {'ROLE':<11} {'ENABLED':<8} {'EXTENSION':<12} {'LAST LOGIN':<17} NAME"]
    for a in accounts:
        last = a.last_login_at.strftime("%Y-%m-%d %H:%M") if a.last_login_at else "never"
        lines.append(f"{a.username:<20} {a.role.value:<11} {'yes' if a.enabled else 'no':<8} "
                     f"{a.extension or '-':<12} {last:<17} {a.display_name}")
    return "\n".join(lines)


def list_command(settings: Settings) -> int:
    print(format_accounts(asyncio.run(_with_session(settings, list_accounts))))
    return 0
